"""User-level actions, one function each: what the CLI, the conversation, the demo and the dashboard call.

Each flow takes the session its caller opened (one transaction per action) and the instant, changes
what the action changes and re-plans what it affects, so no caller has to remember to.
"""
