"""The web dashboard for admins, managers and learners: server-rendered pages over the core services.

bot.dashboard.routes.create_dashboard(services) builds the app that bot.web mounts at the path of
DASHBOARD_URL. The dashboard may import the channels' pure renderers (bot.channels.*.render) for
previews; no channel imports the dashboard. This package file stays empty so that the conversation
can import bot.dashboard.links without the web stack.
"""
