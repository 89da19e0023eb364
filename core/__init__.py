"""The learning record: models, services and the ChatChannel port. No platform code lives here."""
