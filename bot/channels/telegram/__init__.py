"""Telegram channel: python-telegram-bot behind the ChatChannel port."""
