"""Talking to people: chat channels, conversation flows, web app and CLI."""
