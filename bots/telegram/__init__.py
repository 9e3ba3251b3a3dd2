"""The Telegram bot: python-telegram-bot handlers over `Assistant`, `FeedbackStore` and memory.

`run.py` is `assistant bot` (long polling, owns the store); `embedded.py` runs the same bot inside
the API process (polling or webhook); `app.py` builds the `Application` both use.
"""
