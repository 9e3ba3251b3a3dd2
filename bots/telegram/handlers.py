"""What the bot does with each kind of update.

The handlers only talk to `Assistant`, `FeedbackStore` and `ConversationMemory`. The pipeline is
synchronous (retrieval and models), so it runs in a worker thread and the event loop keeps serving
other chats; one lock per chat keeps a chat's own questions in order, so a follow-up always sees
the previous answer in memory.
"""

from __future__ import annotations

import asyncio
import logging
import re
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any, Protocol

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from assistant.languages import normalise
from assistant.schema import LANGS, Answer
from assistant.settings import Settings
from assistant.state.limits import WindowLimiter
from assistant.state.memory import InMemoryStateStore
from bots.telegram import messages
from bots.telegram.formatting import Part, format_answer

log = logging.getLogger(__name__)

CHANNEL = "telegram"
TYPING_EVERY_S = 4.5  # Telegram shows "typing…" for about 5 s per action


class AssistantLike(Protocol):
    """The part of `assistant.Assistant` the bot uses."""

    def ask(
        self,
        question: str,
        history: list[Any] | None = None,
        lang: str | None = None,
        client_lang: str | None = None,
    ) -> Answer: ...


class FeedbackLike(Protocol):
    """The part of `assistant.feedback.FeedbackStore` the bot uses."""

    def record_answer(self, answer: Answer, channel: str) -> None: ...

    def add_feedback(
        self, answer_id: str, rating: str, comment: str | None = None, channel: str = "web"
    ) -> int: ...


def language_keyboard() -> InlineKeyboardMarkup:
    """English / suomi / svenska, one row."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(name, callback_data=f"lang:{code}")
                for code, name in messages.LANGUAGE_NAMES.items()
            ]
        ]
    )


def feedback_keyboard(answer_id: str) -> InlineKeyboardMarkup:
    """👍/👎 under an answer; the callback data carries the answer id (fits in 64 bytes)."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("👍", callback_data=f"fb:up:{answer_id}"),
                InlineKeyboardButton("👎", callback_data=f"fb:down:{answer_id}"),
            ]
        ]
    )


@asynccontextmanager
async def typing(bot: Bot, chat_id: int) -> AsyncIterator[None]:
    """Keep the "typing…" indicator on while the pipeline works."""

    async def send() -> None:
        with suppress(TelegramError):
            await bot.send_chat_action(chat_id, ChatAction.TYPING)

    async def keep_typing() -> None:
        while True:
            await asyncio.sleep(TYPING_EVERY_S)
            await send()

    await send()  # at once, so even a fast answer is preceded by "typing…"

    task = asyncio.create_task(keep_typing())
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


class TelegramHandlers:
    """The bot's behaviour; one instance per `Application`."""

    def __init__(
        self,
        settings: Settings,
        assistant: AssistantLike,
        feedback: FeedbackLike,
        memory: Any,
    ) -> None:
        self.settings = settings
        self.assistant = assistant
        self.feedback = feedback
        self.memory = memory
        # Per chat, in the same state store as the conversations (shared once the store is).
        store = getattr(memory, "store", None) or InMemoryStateStore()
        self._limiter = WindowLimiter(
            store, "telegram", settings.telegram_rate_limit_per_minute, 60.0
        )
        self._chosen: dict[int, str] = {}  # chat id -> language picked by button or /lang
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    # --- helpers ---------------------------------------------------------------------------

    @staticmethod
    def key(chat_id: int) -> str:
        """The conversation-memory key of a chat (groups share one conversation)."""
        return f"telegram:{chat_id}"

    def ui_lang(self, update: Update) -> str:
        """The chat's last or chosen language, else the user's Telegram language, else English."""
        chat_id = update.effective_chat.id
        recent = normalise(self.memory.language(self.key(chat_id))) or self._chosen.get(chat_id)
        user = update.effective_user
        return recent or normalise(user.language_code if user else None) or "en"

    def choose(self, chat_id: int, lang: str) -> None:
        """Remember an explicit language choice (it outlives /reset and memory expiry)."""
        self._chosen[chat_id] = lang
        self.memory.set_language(self.key(chat_id), lang)
        if len(self._chosen) > 100_000:
            self._chosen.clear()

    def _allow(self, chat_id: int) -> tuple[bool, bool]:
        """(allowed, warn) for a chat: warn only once per window, so the polite reply cannot
        flood (a group shares its chat's limit: one busy group cannot starve the others)."""
        decision = self._limiter.hit(str(chat_id))
        if decision.allowed:
            return True, False
        return False, self._limiter.once_per_window(str(chat_id), decision.retry_after_s)

    def _lock(self, key: str) -> asyncio.Lock:
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        return lock

    @staticmethod
    def _addressed_text(message: Message, bot: Bot) -> str | None:
        """The question in a message meant for the bot; None when a group message is not."""
        text = message.text or ""
        if message.chat.type == ChatType.PRIVATE:
            return text.strip()
        username = (bot.username or "").lower()
        mentioned = any(
            value.lower() == f"@{username}"
            if entity.type == MessageEntity.MENTION
            else entity.user is not None and entity.user.id == bot.id
            for entity, value in message.parse_entities(
                [MessageEntity.MENTION, MessageEntity.TEXT_MENTION]
            ).items()
        )
        reply = message.reply_to_message
        replied = bool(reply and reply.from_user and reply.from_user.id == bot.id)
        if not (mentioned or replied):
            return None
        if username:
            text = re.sub(rf"@{re.escape(username)}\b", " ", text, flags=re.IGNORECASE)
        return " ".join(text.split())

    async def _send_parts(
        self, message: Message, parts: list[Part], markup: InlineKeyboardMarkup | None
    ) -> None:
        """Send HTML parts in order; a part Telegram cannot parse goes again as plain text."""
        no_preview = LinkPreviewOptions(is_disabled=True)
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            reply_markup = markup if last else None
            try:
                await message.reply_text(
                    part.html,
                    parse_mode=ParseMode.HTML,
                    link_preview_options=no_preview,
                    reply_markup=reply_markup,
                    do_quote=i == 0 and message.chat.type != ChatType.PRIVATE,
                )
            except BadRequest as exc:
                if "can't parse entities" not in str(exc).lower():
                    raise
                log.warning("Telegram rejected the HTML (%s); sending plain text", exc)
                await message.reply_text(
                    part.plain,
                    link_preview_options=no_preview,
                    reply_markup=reply_markup,
                    do_quote=False,
                )

    async def answer_question(
        self,
        update: Update,
        context: ContextTypes.DEFAULT_TYPE,
        question: str,
        lang: str | None = None,
    ) -> None:
        """Ask the pipeline (with the chat's memory), store the answer, send it with thumbs."""
        message = update.effective_message
        chat = update.effective_chat
        allowed, warn = self._allow(chat.id)
        if not allowed:
            if warn:
                await message.reply_text(messages.text(self.ui_lang(update), "rate_limited"))
            return
        question = question[: self.settings.max_question_chars]
        key = self.key(chat.id)
        async with self._lock(key):
            history = self.memory.history(key)
            client_lang = self.ui_lang(update)  # a hint: the question's own language wins
            async with typing(context.bot, chat.id):
                answer: Answer = await asyncio.to_thread(
                    self.assistant.ask,
                    question,
                    history=history,
                    lang=lang,
                    client_lang=client_lang,
                )
            self.memory.add(key, question, answer.answer, answer.language)
            markup: InlineKeyboardMarkup | None = feedback_keyboard(answer.id)
            try:
                await asyncio.to_thread(self.feedback.record_answer, answer, CHANNEL)
            except Exception:  # the answer matters more than its thumbs
                log.exception(
                    "could not store answer %s; sending it without feedback buttons", answer.id
                )
                markup = None
            await self._send_parts(message, format_answer(answer), markup)

    # --- handlers --------------------------------------------------------------------------

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Greeting: who the bot is, what it answers and stores; language buttons."""
        lang = self.ui_lang(update)
        user = update.effective_user
        name = f" {user.first_name}" if user and user.first_name else ""
        greeting = messages.text(
            lang,
            "greeting",
            name=name,
            ttl=f"{self.settings.memory_ttl_minutes:g}",
            days=self.settings.feedback_retention_days,
        )
        await update.effective_message.reply_text(greeting, reply_markup=language_keyboard())

    async def help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The commands and how to ask."""
        await update.effective_message.reply_text(messages.text(self.ui_lang(update), "help"))

    async def lang(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """`/lang fi` sets the language at once; `/lang` shows the buttons."""
        choice = normalise(context.args[0]) if context.args else None
        if choice:
            self.choose(update.effective_chat.id, choice)
            await update.effective_message.reply_text(messages.text(choice, "language_set"))
            return
        await update.effective_message.reply_text(
            messages.text(self.ui_lang(update), "choose_language"), reply_markup=language_keyboard()
        )

    async def reset(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Forget the conversation (the language choice stays: it is a preference)."""
        key = self.key(update.effective_chat.id)
        lang = self.ui_lang(update)
        self.memory.reset(key)
        await update.effective_message.reply_text(messages.text(lang, "reset"))

    async def contacts(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The contact persons, asked of the pipeline in the user's language."""
        lang = self.ui_lang(update)
        await self.answer_question(update, context, messages.text(lang, "q_contacts"), lang=lang)

    async def focus(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The focus areas, asked of the pipeline in the user's language."""
        lang = self.ui_lang(update)
        await self.answer_question(update, context, messages.text(lang, "q_focus"), lang=lang)

    async def text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Any text is a question (in groups only when the bot is mentioned or replied to)."""
        message = update.effective_message
        question = self._addressed_text(message, context.bot)
        if question is None:
            return
        if not question:
            await message.reply_text(messages.text(self.ui_lang(update), "empty_question"))
            return
        await self.answer_question(update, context, question)

    async def not_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Voice, photos, stickers, files, edits: say politely that the bot reads text questions."""
        message = update.effective_message
        if message is None:
            return
        if message.chat.type != ChatType.PRIVATE:
            reply = message.reply_to_message
            if not (reply and reply.from_user and reply.from_user.id == context.bot.id):
                return
        await message.reply_text(messages.text(self.ui_lang(update), "text_only"))

    async def language_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A language button: remember the choice for this chat and confirm in that language."""
        query = update.callback_query
        choice = normalise((query.data or "").partition(":")[2]) or "en"
        self.choose(update.effective_chat.id, choice)
        await query.answer()
        await context.bot.send_message(
            update.effective_chat.id, messages.text(choice, "language_set")
        )

    async def feedback_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """👍/👎: store the thumb with the answer it judges; the buttons go away once used."""
        query = update.callback_query
        _, rating, answer_id = (query.data or "").split(":", 2)
        lang = self.ui_lang(update)
        try:
            await asyncio.to_thread(self.feedback.add_feedback, answer_id, rating, None, CHANNEL)
        except (KeyError, ValueError):
            await query.answer(messages.text(lang, "feedback_unknown"))
            return
        await query.answer(messages.text(lang, "feedback_thanks"))
        with suppress(BadRequest):
            await query.edit_message_reply_markup(reply_markup=None)

    async def error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the failure, apologise to the user; the application keeps running."""
        update_id = update.update_id if isinstance(update, Update) else None
        log.error("update %s failed", update_id, exc_info=context.error)
        if isinstance(update, Update) and update.effective_chat is not None:
            with suppress(Exception):
                await context.bot.send_message(
                    update.effective_chat.id, messages.text(self.ui_lang(update), "apology")
                )


__all__ = ["LANGS", "TelegramHandlers", "feedback_keyboard", "language_keyboard"]
