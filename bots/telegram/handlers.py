"""What the bot does with each kind of update.

The handlers translate Telegram updates into calls on the `ConversationService` (memory, the
per-chat lock and limit, the language choice, the answer log and votes live there). The pipeline
is synchronous (retrieval and models), so it runs in a worker thread and the event loop keeps
serving other chats; the service's lock per chat keeps a chat's own questions in order, so a
follow-up always sees the previous answer in memory.
"""

from __future__ import annotations

import asyncio
import logging
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

from assistant import textregex
from assistant.conversation import ConversationService
from assistant.languages import normalise
from assistant.schema import LANGS, Answer
from assistant.settings import Settings
from assistant.state import StateUnavailable
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
                for code, name in messages.language_names().items()
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
        *,
        conversations: ConversationService | None = None,
    ) -> None:
        self.settings = settings
        if conversations is None:  # on its own: a service over the memory's state store
            store = getattr(memory, "store", None) or InMemoryStateStore()
            conversations = ConversationService(settings, assistant, feedback, store, memory=memory)
        self.conversations = conversations

    # --- helpers ---------------------------------------------------------------------------

    @staticmethod
    def key(chat_id: int) -> str:
        """The conversation key of a chat (groups share one conversation)."""
        return ConversationService.key(CHANNEL, chat_id)

    def ui_lang(self, update: Update) -> str:
        """The chat's last or chosen language, else the user's Telegram language, else English."""
        user = update.effective_user
        try:
            recent = normalise(self.conversations.language(self.key(update.effective_chat.id)))
        except StateUnavailable:  # the reply still goes out, in the user's own language
            recent = None
        return recent or normalise(user.language_code if user else None) or "en"

    def choose(self, chat_id: int, lang: str) -> None:
        """Remember an explicit language choice (it outlives /reset and memory expiry)."""
        self.conversations.choose_language(self.key(chat_id), lang)

    def _allow(self, chat_id: int) -> tuple[bool, bool]:
        """(allowed, warn) for a chat: warn only once per window, so the polite reply cannot
        flood (a group shares its chat's limit: one busy group cannot starve the others)."""
        decision, warn = self.conversations.allow(
            CHANNEL, self.settings.telegram_rate_limit_per_minute, str(chat_id)
        )
        return decision.allowed, warn

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
            mention = textregex.compile(rf"@{textregex.escape(username)}\b", textregex.I)
            text = mention.sub(" ", text)
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
        async with self.conversations.lock(key):
            client_lang = self.ui_lang(update)  # a hint: the question's own language wins
            async with typing(context.bot, chat.id):
                answer, recorded = await asyncio.to_thread(
                    self.conversations.ask,
                    question,
                    channel=CHANNEL,
                    key=key,
                    lang=lang,
                    client_lang=client_lang,
                )
            if not recorded:  # the answer matters more than its thumbs
                log.warning("answer %s not stored; sending it without feedback buttons", answer.id)
            markup = feedback_keyboard(answer.id) if recorded else None
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
        self.conversations.reset(key)
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
            await asyncio.to_thread(self.conversations.vote, answer_id, rating, None, CHANNEL)
        except (KeyError, ValueError):
            await query.answer(messages.text(lang, "feedback_unknown"))
            return
        await query.answer(messages.text(lang, "feedback_thanks"))
        with suppress(BadRequest):
            await query.edit_message_reply_markup(reply_markup=None)

    async def error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the failure, apologise to the user; the application keeps running.

        Shared state out of reach (Redis down) gets its own sentence: the user can do nothing
        but wait, and nothing is wrong with the question."""
        update_id = update.update_id if isinstance(update, Update) else None
        busy = isinstance(context.error, StateUnavailable)
        if busy:
            log.error("update %s: %s", update_id, context.error)
        else:
            log.error("update %s failed", update_id, exc_info=context.error)
        if isinstance(update, Update) and update.effective_chat is not None:
            with suppress(Exception):
                await context.bot.send_message(
                    update.effective_chat.id,
                    messages.text(self.ui_lang(update), "busy" if busy else "apology"),
                )


__all__ = ["LANGS", "TelegramHandlers", "feedback_keyboard", "language_keyboard"]


# Probe for the pathological-input test (tests/assistant/test_textregex.py): the mention pattern.
textregex.register_text_function(
    "bots.telegram.handlers.mention",
    lambda text: textregex.compile(r"@tampere_bot\b", textregex.I).sub(" ", text),
)
