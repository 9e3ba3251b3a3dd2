// Web chat for the Tampere ecosystem-agreement assistant.
// No framework, no build step. Everything that comes from an answer or a source is inserted
// with textContent or as an attribute value, never as HTML.
"use strict";

(function () {
  // The page's words in every served language, from the language packs (web.yaml), which the
  // server puts into the page; the default language's fill in what a pack leaves out.
  const UI = JSON.parse(document.getElementById("ui-strings").textContent);
  const LABELS = UI.labels;
  const DEFAULT = UI.default;
  const MAX_CHARS = Number(document.documentElement.dataset.maxChars) || 2000;

  const $ = (id) => document.getElementById(id);
  const langSelect = $("lang");
  const form = $("ask-form");
  const input = $("question");
  const button = $("ask-button");
  const log = $("log");
  const errorBox = $("ask-error");
  // The server issues session ids: none until the first answer, then the one it sent back.
  let sessionId = null;
  let busy = false;

  function uiLang() {
    const chosen = langSelect.value;
    if (chosen !== "auto") return chosen;
    const nav = (navigator.language || DEFAULT).slice(0, 2).toLowerCase();
    return LABELS[nav] ? nav : DEFAULT;
  }

  function t(key, vars) {
    let text = (LABELS[uiLang()] || {})[key] || LABELS[DEFAULT][key] || key;
    for (const [name, value] of Object.entries(vars || {})) {
      text = text.split("{" + name + "}").join(String(value));
    }
    return text;
  }

  function applyLabels() {
    const lang = uiLang();
    document.documentElement.lang = lang;
    document.title = t("title");
    for (const el of document.querySelectorAll("[data-i18n]")) {
      el.textContent = t(el.dataset.i18n);
    }
    const root = document.documentElement.dataset;
    $("privacy").textContent = t("privacy", { days: root.retentionDays, ttl: root.memoryTtl });
    const list = $("suggest-list");
    list.replaceChildren();
    for (const q of (LABELS[lang] || LABELS[DEFAULT]).suggestions || []) {
      const li = document.createElement("li");
      const b = document.createElement("button");
      b.type = "button";
      b.className = "suggestion";
      b.textContent = q;
      b.addEventListener("click", () => {
        input.value = q;
        send();
      });
      li.appendChild(b);
      list.appendChild(li);
    }
  }

  function safeUrl(url) {
    try {
      const u = new URL(url, window.location.href);
      return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
    } catch (e) {
      return null;
    }
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // The answer text, with [n] markers turned into links to the numbered sources.
  function renderText(container, text, answerId) {
    container.replaceChildren();
    for (const para of String(text).split(/\n{2,}/)) {
      if (!para.trim()) continue;
      const p = el("p");
      const parts = para.split(/(\[\d+\])/);
      for (const part of parts) {
        const m = /^\[(\d+)\]$/.exec(part);
        if (m && answerId) {
          const a = el("a", "cite", part);
          a.href = "#src-" + answerId + "-" + m[1];
          p.appendChild(a);
        } else if (part) {
          p.appendChild(document.createTextNode(part));
        }
      }
      container.appendChild(p);
    }
  }

  function renderSources(article, answer) {
    if (!answer.sources || !answer.sources.length) return;
    const section = el("section", "sources");
    const heading = el("h3", null, t("sources"));
    section.appendChild(heading);
    const ol = el("ol");
    for (const s of answer.sources) {
      const li = el("li");
      li.id = "src-" + answer.id + "-" + s.n;
      li.value = s.n;
      const head = el("div", "source-head");
      const title = s.title + (s.section && s.section !== s.title ? " – " + s.section : "");
      const href = safeUrl(s.url);
      if (href) {
        const a = el("a", null, title);
        a.href = href;
        a.rel = "noopener noreferrer";
        a.target = "_blank";
        a.title = t("openSource");
        head.appendChild(a);
      } else {
        head.appendChild(el("span", null, title));
      }
      if (s.as_of) head.appendChild(el("span", "as-of", " · " + t("asOf", { date: s.as_of })));
      li.appendChild(head);
      if (s.quote) li.appendChild(el("blockquote", "quote", s.quote));
      ol.appendChild(li);
    }
    section.appendChild(ol);
    article.appendChild(section);
  }

  // A thumb drawn as SVG, so it shows without an emoji font; "down" is the same icon rotated.
  function thumbIcon() {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const path = document.createElementNS(ns, "path");
    path.setAttribute(
      "d",
      "M1 21h4V9H1v12zm22-11c0-1.1-.9-2-2-2h-6.31l.95-4.57.03-.32c0-.41-.17-.79-.44-1.06" +
        "L14.17 1 7.59 7.59C7.22 7.95 7 8.45 7 9v10c0 1.1.9 2 2 2h9c.83 0 1.54-.5 1.84-1.22" +
        "l3.02-7.05c.09-.23.14-.47.14-.73v-2z"
    );
    svg.appendChild(path);
    return svg;
  }

  function renderFeedback(article, answer) {
    const box = el("div", "feedback");
    const status = el("span", "feedback-status");
    status.setAttribute("role", "status");
    const buttons = [];
    for (const [rating, label] of [
      ["up", t("helpful")],
      ["down", t("notHelpful")],
    ]) {
      const b = el("button", "thumb thumb-" + rating);
      b.appendChild(thumbIcon());
      b.appendChild(el("span", "thumb-label", label));
      b.type = "button";
      b.dataset.rating = rating;
      b.setAttribute("aria-pressed", "false");
      b.title = label;
      b.addEventListener("click", async () => {
        buttons.forEach((x) => (x.disabled = true));
        try {
          const r = await fetch("/v1/feedback", {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ answer_id: answer.id, rating: rating }),
          });
          if (!r.ok) throw new Error(String(r.status));
          b.setAttribute("aria-pressed", "true");
          status.textContent = t("thanks");
        } catch (e) {
          buttons.forEach((x) => (x.disabled = false));
          status.textContent = t("feedbackFailed");
        }
      });
      buttons.push(b);
      box.appendChild(b);
    }
    box.appendChild(status);
    article.appendChild(box);
  }

  function addQuestion(text) {
    const article = el("article", "msg msg-user");
    article.appendChild(el("h2", "who", t("you")));
    article.appendChild(el("p", "user-text", text));
    log.appendChild(article);
  }

  function addAnswerShell() {
    const article = el("article", "msg msg-bot");
    article.setAttribute("aria-busy", "true");
    article.appendChild(el("h2", "who", t("assistant")));
    const body = el("div", "answer-text");
    body.appendChild(el("p", "pending", t("writing")));
    article.appendChild(body);
    log.appendChild(article);
    return { article, body };
  }

  function finishAnswer(shell, answer) {
    shell.article.setAttribute("aria-busy", "false");
    shell.article.dataset.answerId = answer.id;
    shell.article.lang = answer.language;
    if (answer.refused) shell.article.classList.add("refused");
    renderText(shell.body, answer.answer, answer.id);
    if (answer.next_step) shell.body.appendChild(el("p", "next-step", answer.next_step));
    renderSources(shell.article, answer);
    renderFeedback(shell.article, answer);
  }

  function showError(shell, message) {
    shell.article.setAttribute("aria-busy", "false");
    shell.body.replaceChildren(el("p", "error", message));
  }

  // Minimal Server-Sent Events reader for a POST response body.
  async function* readEvents(response) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, "\n");
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        let event = "message";
        const data = [];
        for (const line of block.split("\n")) {
          if (line.startsWith("event:")) event = line.slice(6).trim();
          else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
        }
        if (data.length) yield { event, data: data.join("\n") };
      }
    }
  }

  async function send() {
    if (busy) return;
    const question = input.value.trim();
    errorBox.textContent = "";
    if (!question) {
      errorBox.textContent = t("empty");
      input.focus();
      return;
    }
    if (question.length > MAX_CHARS) {
      errorBox.textContent = t("tooLong", { max: MAX_CHARS });
      return;
    }
    busy = true;
    button.disabled = true;
    input.value = "";
    addQuestion(question);
    const shell = addAnswerShell();
    const payload = { question: question };
    if (sessionId) payload.session_id = sessionId;
    if (langSelect.value !== "auto") payload.lang = langSelect.value;
    try {
      const response = await fetch("/v1/ask/stream", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
        body: JSON.stringify(payload),
      });
      if (!response.ok) {
        let detail = t("failed");
        if (response.status === 429) {
          detail = t("rateLimited", { s: response.headers.get("Retry-After") || "60" });
        } else {
          try {
            detail = (await response.json()).detail || detail;
          } catch (e) {
            /* keep the generic message */
          }
        }
        showError(shell, detail);
        return;
      }
      let text = "";
      let finished = false;
      for await (const ev of readEvents(response)) {
        const data = JSON.parse(ev.data);
        if (ev.event === "delta") {
          text += data.text;
          renderText(shell.body, text, null);
        } else if (ev.event === "done") {
          if (typeof data.session_id === "string") sessionId = data.session_id;
          finishAnswer(shell, data);
          finished = true;
        } else if (ev.event === "error") {
          showError(shell, data.detail || t("failed"));
          finished = true;
        }
      }
      if (!finished) showError(shell, t("failed"));
    } catch (e) {
      showError(shell, t("failed"));
    } finally {
      busy = false;
      button.disabled = false;
      $("suggestions").hidden = true;
      input.focus();
    }
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    send();
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      send();
    }
  });
  langSelect.addEventListener("change", () => {
    try {
      localStorage.setItem("lang", langSelect.value);
    } catch (e) {
      /* storage may be off */
    }
    applyLabels();
  });
  $("new-chat").addEventListener("click", () => {
    sessionId = null;
    log.replaceChildren();
    $("suggestions").hidden = false;
    errorBox.textContent = "";
    input.focus();
  });

  try {
    const saved = localStorage.getItem("lang");
    if (saved && (saved === "auto" || LABELS[saved])) langSelect.value = saved;
  } catch (e) {
    /* storage may be off */
  }
  applyLabels();
})();
