/*
 * TP 智能客服 website widget. Embed with one tag:
 *   <script src="https://bot.example.com/widget/widget.js" data-title="TP 智能客服" data-color="#1677ff"
 *           data-welcome="您好！有什么可以帮您？" async></script>
 * Options (data-* attributes): server (default: where this script came from), title, color, welcome, open,
 * identity (a token signed by the site's back end for a logged-in customer; see bot/core/identity.py).
 * Needs only the Socket.IO client, loaded from the same server.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var data = (script && script.dataset) || {};
  var server = (data.server || (script ? new URL(script.src).origin : window.location.origin)).replace(/\/$/, "");
  var config = {
    title: data.title || "TP 智能客服",
    color: data.color || "#1677ff",
    welcome: data.welcome || "您好！我是 TP 智能客服小T，请问有什么可以帮您？",
    open: data.open === "true",
    identity: data.identity || null,
  };
  var STORAGE_KEY = "tp-widget-session-token"; // a token the server signed; it names the conversation
  var socket = null;
  var sessionId = null;
  var typingTimer = null;
  var handoffState = null; // "queued" or "agent_joined" while a person has the conversation: the bot is quiet
  var ui = {};

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  // Text with links: URLs become <a>, everything else stays text (never HTML from the server).
  function richText(text) {
    var fragment = document.createDocumentFragment();
    var parts = String(text || "").split(/(https?:\/\/[^\s，。）)]+)/);
    parts.forEach(function (part, i) {
      if (i % 2 === 1) {
        var link = el("a", null, part);
        link.href = part;
        link.target = "_blank";
        link.rel = "noopener noreferrer";
        fragment.appendChild(link);
      } else if (part) {
        fragment.appendChild(document.createTextNode(part));
      }
    });
    return fragment;
  }

  // The server's paths (/widget/media/…) are on the bot's server, not on the site embedding the widget.
  function absolute(path) { return /^(https?:|blob:|data:)/.test(path) ? path : server + path; }

  function scrollDown() { ui.messages.scrollTop = ui.messages.scrollHeight; }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  // "14:05" today, "12-03 14:05" before: the time a message was said (seconds since the epoch), else now.
  function clock(seconds) {
    var when = seconds ? new Date(seconds * 1000) : new Date();
    var time = pad(when.getHours()) + ":" + pad(when.getMinutes());
    return when.toDateString() === new Date().toDateString() ? time : pad(when.getMonth() + 1) + "-" + pad(when.getDate()) + " " + time;
  }

  // Only the latest buttons can be used: an older choice (a rating asked before, a menu answered) is disabled.
  function retireChoices() {
    var old = ui.messages.querySelectorAll(".tpw-choice");
    for (var i = 0; i < old.length; i++) old[i].disabled = true;
  }

  function addMessage(from, text, options) {
    options = options || {};
    retireChoices();
    var row = el("div", "tpw-row tpw-" + from);
    var bubble = el("div", "tpw-bubble");
    if (from === "agent") bubble.appendChild(el("div", "tpw-who", "人工客服 " + (options.agent || "")));
    if (options.image) {
      var link = el("a", "tpw-picture");
      link.href = absolute(options.image);
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      var image = el("img", "tpw-image");
      image.src = absolute(options.thumb || options.image);
      image.alt = "图片";
      image.addEventListener("load", scrollDown); // its height is known only now
      link.appendChild(image);
      bubble.appendChild(link);
    }
    if (text) bubble.appendChild(richText(text));
    row.appendChild(bubble);
    if (options.buttons && options.buttons.length) {
      var choices = el("div", "tpw-choices");
      options.buttons.forEach(function (button) {
        var choice = el("button", "tpw-choice", button.title);
        choice.type = "button";
        choice.addEventListener("click", function () {
          if (choice.disabled) return;
          choice.classList.add("tpw-chosen");
          send(button.payload, button.title);
        });
        choices.appendChild(choice);
      });
      row.appendChild(choices);
    }
    row.appendChild(el("div", "tpw-time", clock(options.time)));
    ui.messages.appendChild(row);
    scrollDown();
  }

  function addNotice(text, time) {
    retireChoices(); // e.g. "不用了" of the queue once a person has joined
    ui.messages.appendChild(el("div", "tpw-notice", text + " " + clock(time)));
    scrollDown();
  }

  // "小T正在输入…" while the bot answers; "人工客服 X 正在输入…" while an agent writes (the console says so).
  function setTyping(on, who, seconds) {
    clearTimeout(typingTimer);
    ui.typing.hidden = !on;
    if (!on) return;
    ui.typing.textContent = (who || "小T") + "正在输入…";
    typingTimer = setTimeout(function () { ui.typing.hidden = true; }, (seconds || 15) * 1000);
  }

  function setHandoff(state, agent) {
    handoffState = state === "agent_joined" || state === "queued" ? state : null;
    if (state === "agent_joined") {
      ui.status.textContent = "人工客服" + (agent ? " " + agent : "") + " 正在为您服务";
      ui.status.hidden = false;
    } else if (state === "queued") {
      ui.status.textContent = "正在为您转接人工客服…";
      ui.status.hidden = false;
    } else {
      ui.status.hidden = true;
    }
  }

  function send(text, shown) {
    text = (text || "").trim();
    if (!text || !socket || !sessionId) return;
    addMessage("customer", shown || text);
    var payload = { message: text, session_id: sessionId, metadata: { page: window.location.href } };
    if (config.identity) payload.identity = config.identity;
    socket.emit("user_uttered", payload);
    if (!handoffState) setTyping(true); // with a person on the conversation, the bot does not answer
  }

  // A photo of the fault, as the knowledge base asks: shown at once, stored by the server, then a turn like a text.
  function sendPicture(file) {
    if (!file || !sessionId) return;
    if (!/^image\/(jpeg|png|gif|webp)$/.test(file.type)) { addNotice("请发送 JPG、PNG、GIF 或 WebP 格式的照片"); return; }
    var local = URL.createObjectURL(file);
    addMessage("customer", "", { image: local, thumb: local });
    var row = ui.messages.lastChild;
    var form = new FormData();
    form.append("session_token", localStorage.getItem(STORAGE_KEY) || "");
    form.append("file", file);
    if (!handoffState) setTyping(true);
    fetch(server + "/widget/upload", { method: "POST", body: form })
      .then(function (reply) { return reply.json().then(function (data) { return { ok: reply.ok, data: data }; }); })
      .then(function (result) {
        if (result.ok) return;
        setTyping(false);
        row.classList.add("tpw-failed");
        addNotice((result.data && result.data.error) || "图片发送失败，请重试");
      })
      .catch(function () { setTyping(false); row.classList.add("tpw-failed"); addNotice("图片发送失败，请检查网络后重试"); });
  }

  function onBotMessage(message) {
    setTyping(false);
    if (message.notice) { addNotice(message.text, message.time); return; }
    var picture = message.attachment && message.attachment.type === "image" ? message.attachment.payload : null;
    addMessage(message.agent ? "agent" : "bot", message.text, {
      agent: message.agent, image: picture && picture.src, thumb: picture && picture.thumb,
      buttons: message.quick_replies || message.buttons, time: message.time,
    });
  }

  function onHistory(history) {
    ui.messages.replaceChildren ? ui.messages.replaceChildren() : (ui.messages.innerHTML = "");
    if (!history.messages.length) addMessage("bot", config.welcome);
    history.messages.forEach(function (message) {
      if (message.from === "notice") addNotice(message.text, message.time);
      else addMessage(message.from, message.text, { agent: message.agent, time: message.time,
                                                   image: message.image, thumb: message.thumb });
    });
    setHandoff(history.handoff && history.handoff.state, history.handoff && history.handoff.agent);
  }

  function connect() {
    socket = window.io(server, { path: "/socket.io", transports: ["websocket", "polling"] });
    socket.on("connect", function () {
      ui.offline.hidden = true;
      socket.emit("session_request", { session_token: localStorage.getItem(STORAGE_KEY) });
    });
    socket.on("disconnect", function () { ui.offline.hidden = false; });
    socket.on("session_confirm", function (session) {
      sessionId = typeof session === "string" ? session : session.session_id;
      if (session && session.session_token) localStorage.setItem(STORAGE_KEY, session.session_token);
    });
    socket.on("history", onHistory);
    socket.on("bot_uttered", onBotMessage);
    // The status line only: what happened is said once, by the notice message the server sends with it.
    socket.on("handoff", function (change) { setHandoff(change.state, change.agent); });
    socket.on("agent_typing", function (typing) { setTyping(true, "人工客服" + (typing.agent ? " " + typing.agent + " " : ""), 6); });
  }

  function build() {
    var style = el("link");
    style.rel = "stylesheet";
    style.href = server + "/widget/widget.css";
    document.head.appendChild(style);

    var root = el("div", "tpw-root");
    root.style.setProperty("--tpw-color", config.color);
    var launcher = el("button", "tpw-launcher", "在线客服");
    launcher.type = "button";
    var panel = el("section", "tpw-panel");
    panel.hidden = !config.open;
    panel.setAttribute("aria-label", config.title);
    var header = el("header", "tpw-header");
    header.appendChild(el("strong", null, config.title));
    var close = el("button", "tpw-close", "×");
    close.type = "button";
    close.setAttribute("aria-label", "关闭");
    header.appendChild(close);
    ui.status = el("div", "tpw-status");
    ui.status.hidden = true;
    ui.offline = el("div", "tpw-status tpw-offline", "网络连接中断，正在重新连接…");
    ui.offline.hidden = true;
    ui.messages = el("div", "tpw-messages");
    ui.messages.setAttribute("role", "log");
    ui.typing = el("div", "tpw-typing", "小T正在输入…");
    ui.typing.hidden = true;
    var form = el("form", "tpw-form");
    ui.input = el("input", "tpw-input");
    ui.input.placeholder = "请输入您的问题";
    ui.input.maxLength = 1000;
    var submit = el("button", "tpw-send", "发送");
    submit.type = "submit";
    var attach = el("button", "tpw-attach", "图片");
    attach.type = "button";
    attach.title = "发送照片（例如故障照片）";
    ui.file = el("input", "tpw-file");
    ui.file.type = "file";
    ui.file.accept = "image/jpeg,image/png,image/gif,image/webp";
    ui.file.hidden = true;
    form.appendChild(attach);
    form.appendChild(ui.file);
    form.appendChild(ui.input);
    form.appendChild(submit);
    [header, ui.status, ui.offline, ui.messages, ui.typing, form].forEach(function (n) { panel.appendChild(n); });
    root.appendChild(panel);
    root.appendChild(launcher);
    document.body.appendChild(root);

    launcher.addEventListener("click", function () { panel.hidden = !panel.hidden; if (!panel.hidden) ui.input.focus(); });
    close.addEventListener("click", function () { panel.hidden = true; });
    attach.addEventListener("click", function () { ui.file.click(); });
    ui.file.addEventListener("change", function () { sendPicture(ui.file.files[0]); ui.file.value = ""; });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      send(ui.input.value);
      ui.input.value = "";
    });
  }

  function start() {
    build();
    if (window.io) { connect(); return; }
    var loader = el("script");
    loader.src = server + "/widget/vendor/socket.io.min.js";
    loader.onload = connect;
    loader.onerror = function () { addNotice("客服暂时无法连接，请稍后再试"); };
    document.head.appendChild(loader);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
