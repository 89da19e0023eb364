"""`python -m bot.cli`: the same as the `nudgebot` command."""

from bot.cli import main

main()
