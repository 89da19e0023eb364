"""Slack channel: slack-bolt and slack_sdk behind the ChatChannel port."""
