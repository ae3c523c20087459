"""Exports staff open in Excel: leads and the questions the bot could not answer."""
