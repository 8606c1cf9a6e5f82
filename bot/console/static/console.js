// TP agent console: queue, conversation, replies. Live updates arrive by Server-Sent Events (/console/api/stream).
// The reply composer (suggestions, quick replies, "/" search) is composer.js; sounds, notifications and the
// tab title are alerts.js.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { agent: null, ticketId: null, detail: null, stream: null, historyPage: 1 };

async function api(path, options = {}) {
  const init = { credentials: "same-origin", ...options };
  if (options.body !== undefined) {
    init.method = init.method || "POST";
    init.headers = { "Content-Type": "application/json" };
    init.body = JSON.stringify(options.body);
  }
  const reply = await fetch("/console/api" + path, init);
  if (reply.status === 401) { window.location.href = "/console/login"; throw new Error("请先登录"); }
  const data = await reply.json().catch(() => ({}));
  if (!reply.ok) throw new Error(data.error || "操作失败，请重试");
  return data;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

function ticketItem(ticket) {
  const item = element("li");
  item.dataset.ticket = ticket.id;
  if (ticket.id === state.ticketId) item.classList.add("selected");
  const name = element("div", "name", ticket.customer);
  if (ticket.unread > 0) name.append(element("span", "badge", ticket.unread > 99 ? "99+" : String(ticket.unread)));
  item.append(name);
  if (ticket.preview) item.append(element("p", "preview", ticket.preview));
  if (ticket.tags && ticket.tags.length) {
    const tags = element("p", "tags");
    tags.append(...ticket.tags.map((tag) => element("span", "tag", tag)));
    item.append(tags);
  }
  const wait = ticket.callback_label ? `${ticket.callback_label} · 留言于 ${ticket.created_at}`
    : ticket.status === "waiting" ? `已等待 ${ticket.waiting_minutes} 分钟`
    : ticket.status === "closed" ? `#${ticket.id} · ${ticket.created_on} · ${ticket.close_label || "已结束"}`
    : ticket.status_label;
  item.append(element("p", "meta", `${ticket.reason} · ${ticket.channel} · ${wait}`));
  item.addEventListener("click", () => openTicket(ticket.id));
  return item;
}

async function refreshQueue() {
  const queue = await api("/queue");
  $("waiting-count").textContent = queue.waiting.length;
  $("mine-count").textContent = queue.mine.length;
  $("waiting-list").replaceChildren(...queue.waiting.map(ticketItem));
  $("mine-list").replaceChildren(...queue.mine.map(ticketItem));
  const left = await api("/messages");
  $("messages-count").textContent = left.counts.to_call;
  $("messages-list").replaceChildren(...left.messages.map(ticketItem));
  $("status-line").textContent = `${queue.in_hours ? "服务时间内" : "非服务时间"} · 在线客服 ${queue.agents_online} 人`;
  onQueue(queue);
  if (state.agent && state.agent.supervisor) refreshAgents().catch(() => {});  // who serves what, live
}

async function searchHistory(page = 1) {
  const query = new URLSearchParams({ q: $("history-q").value.trim(), from: $("history-from").value,
                                      to: $("history-to").value, page: String(page) });
  $("history-total").textContent = "正在搜索…";
  try {
    const found = await api(`/history?${query}`);
    state.historyPage = found.page;
    $("history-total").textContent = found.total ? `共 ${found.total} 个会话 · 第 ${found.page}/${found.pages} 页`
      : "没有找到符合条件的已结束会话";
    $("history-list").replaceChildren(...found.tickets.map(ticketItem));
    $("history-prev").hidden = found.page <= 1;
    $("history-next").hidden = found.page >= found.pages;
  } catch (error) { $("history-total").textContent = error.message; }
}

function renderHistory(lines) {
  const history = $("history");
  const atBottom = history.scrollHeight - history.scrollTop - history.clientHeight < 40;
  history.replaceChildren(...lines.map((line) => {
    const item = element("li", line.from);
    const who = { customer: "客户", bot: "机器人", agent: `客服 ${line.agent || ""}`, system: "" }[line.from];
    if (who) item.append(element("span", "who", `${who} ${line.time || ""}`));
    if (line.thumb) {
      const link = element("a", "picture");
      link.href = line.image;
      link.target = "_blank";
      link.rel = "noopener";
      const image = element("img");
      image.src = line.thumb;
      image.alt = "图片（点击查看原图）";
      image.addEventListener("load", () => { if (atBottom) history.scrollTop = history.scrollHeight; });
      link.append(image);
      item.append(link);
    }
    if (line.audio) {  // a WeChat voice message (AMR or Speex: browsers cannot play it, a player can)
      const link = element("a", "voice", `下载语音（${(line.audio_format || "").toUpperCase()}）`);
      link.href = line.audio;
      link.download = "";
      item.append(link, document.createTextNode(" "));
    }
    item.append(document.createTextNode(line.text));
    if (line.buttons && line.buttons.length) item.append(element("span", "who", `[按钮] ${line.buttons.join(" / ")}`));
    return item;
  }));
  if (atBottom) history.scrollTop = history.scrollHeight;
}

function renderSummary(summary) {
  const list = $("summary");
  const verified = summary.verified || [];
  const rows = [
    ["识别到的意图", (summary.intents || []).join("、")],
    ["身份验证", verified.length ? `已验证（${verified.join("、")}）` : "未验证"],
    ["已填信息", Object.entries(summary.slots || {}).map(([k, v]) => `${k}：${typeof v === "string" ? v : JSON.stringify(v)}`).join("；")],
    ["提到的编号", Object.entries(summary.identifiers || {}).map(([k, v]) => `${k}：${v.join("、")}`).join("；")],
  ];
  list.replaceChildren(...rows.flatMap(([term, value]) => [element("dt", null, term), element("dd", null, value || "无")]));
}

function table(headers, rows) {
  const node = element("table");
  const head = element("tr");
  headers.forEach((h) => head.append(element("th", null, h)));
  node.append(head);
  rows.forEach((row) => {
    const tr = element("tr");
    row.forEach((cell) => tr.append(element("td", null, cell)));
    node.append(tr);
  });
  return node;
}

function renderCustomers(customers) {
  const box = $("customers");
  if (!customers.length) { box.replaceChildren(element("p", "meta", "客户尚未通过身份验证，暂无档案")); return; }
  box.replaceChildren(...customers.flatMap((c) => [
    element("p", null, `${c.name}（${c.phone}）`),
    table(["订单", "状态", "金额"], c.orders.map((o) => [o.id, o.status, o.amount])),
    table(["设备", "产品", "保修"], c.devices.map((d) => [d.serial_number, d.product, d.warranty])),
    table(["维修单", "状态", "故障"], c.repairs.map((r) => [r.id, r.status, r.fault])),
  ]));
}

function renderDetail(detail) {
  const ticket = detail.ticket;
  const mine = detail.mine && ticket.status === "assigned";
  $("empty").hidden = true;
  $("conversation").hidden = false;
  $("details").hidden = false;
  $("conv-title").textContent = ticket.customer;
  $("conv-meta").textContent = `#${ticket.id} · ${ticket.status_label} · ${ticket.reason} · ${ticket.channel} · 创建于 ${ticket.created_at}` +
    (ticket.agent ? ` · 接待客服 ${ticket.agent}` : "") +
    (ticket.closed_at ? ` · ${ticket.close_label || "已结束"}于 ${ticket.closed_at}` : "") +
    (ticket.status === "closed" ? ` · ${ticket.rating ? `客户评分 ${ticket.rating}/5` : "客户未评分"}` : "");
  $("claim").hidden = ticket.status !== "waiting";
  const message = ticket.status === "waiting" && ticket.leave_message;
  $("callback-form").hidden = !message;
  if (message) {
    $("callback-state").textContent = `${ticket.callback_label}` +
      (ticket.called_at ? ` · ${ticket.caller || ""} 回电于 ${ticket.called_at}` : "") +
      (ticket.callback_note ? `\n备注：\n${ticket.callback_note}` : "");
    $("mark-called").hidden = ticket.callback_status === "called";
    $("mark-to-call").hidden = ticket.callback_status !== "called";
  }
  $("release").hidden = !mine && !(ticket.status === "assigned" && state.agent.supervisor);
  $("transfer").hidden = $("release").hidden;
  $("close").hidden = !mine && !(ticket.status === "assigned" && state.agent.supervisor);
  $("reply-form").hidden = ticket.status === "closed";  // a closed conversation is read-only
  $("reply-text").disabled = !mine;
  $("send").disabled = !mine;
  $("open-picker").disabled = !mine;
  $("send-picture").disabled = !mine;
  renderHistory(detail.history);
  renderSummary(detail.summary || {});
  renderCustomers(detail.customers || []);
  renderSuggestions(detail.suggestions || [], mine);
  renderNotes(detail.notes, ticket.tags);
}

async function refreshTicket() {
  if (state.ticketId === null) return;
  state.detail = await api(`/tickets/${state.ticketId}`);
  renderDetail(state.detail);
  if (state.detail.mine && state.detail.ticket.unread > 0 && attending()) {  // seen: the badge goes
    await api(`/tickets/${state.ticketId}/read`, { body: {} });
    await refreshQueue();
  }
}

function listen() {
  if (state.stream) state.stream.close();
  const query = state.ticketId === null ? "" : `?ticket=${state.ticketId}`;
  state.stream = new EventSource(`/console/api/stream${query}`);
  state.stream.addEventListener("queue", () => refreshQueue().catch(showError));
  state.stream.addEventListener("conversation", () => refreshTicket().catch(showError));
}

async function openTicket(id) {
  state.ticketId = id;
  $("conv-error").textContent = "";
  document.querySelectorAll(".ticket-list li").forEach((li) => li.classList.toggle("selected", Number(li.dataset.ticket) === id));
  await refreshTicket().catch(showError);
  listen();
}

function showError(error) { $("conv-error").textContent = error.message; }

async function act(path) {
  $("conv-error").textContent = "";
  try {
    await api(`/tickets/${state.ticketId}/${path}`, { body: {} });
    await Promise.all([refreshTicket(), refreshQueue()]);
  } catch (error) { showError(error); await refreshQueue().catch(() => {}); }
}

async function actOnMessage(path, body) {
  $("conv-error").textContent = "";
  try {
    await api(`/messages/${state.ticketId}/${path}`, { body: { ...body, note: $("callback-note").value } });
    $("callback-note").value = "";
    await Promise.all([refreshTicket(), refreshQueue()]);
  } catch (error) { showError(error); await refreshQueue().catch(() => {}); }
}

async function sendReply(text) {
  text = text.trim();
  if (!text) return;
  $("send").disabled = true;
  try {
    await api(`/tickets/${state.ticketId}/reply`, { body: { text } });
    $("reply-text").value = "";
    await refreshTicket();
  } catch (error) { showError(error); }
  finally { $("send").disabled = false; }
}

$("claim").addEventListener("click", () => act("claim"));
$("release").addEventListener("click", () => act("release"));
$("close").addEventListener("click", () => { if (confirm("确认结束本次服务？客户将回到机器人服务并收到评价邀请。")) act("close"); });
$("mark-called").addEventListener("click", () => actOnMessage("callback", { status: "called" }));
$("mark-to-call").addEventListener("click", () => actOnMessage("callback", { status: "to_call" }));
$("close-message").addEventListener("click", () => {
  if (confirm("确认这条留言已处理完毕？客户将收到结束通知和评价邀请。")) actOnMessage("close", {});
});
$("callback-form").addEventListener("submit", (event) => event.preventDefault());
$("history-form").addEventListener("submit", (event) => { event.preventDefault(); searchHistory(1); });
$("history-prev").addEventListener("click", () => searchHistory(state.historyPage - 1));
$("history-next").addEventListener("click", () => searchHistory(state.historyPage + 1));
$("reply-form").addEventListener("submit", (event) => { event.preventDefault(); sendReply($("reply-text").value); });
async function sendPicture(file) {
  $("conv-error").textContent = "";
  if (!file) return;
  if (!/^image\/(jpeg|png|gif|webp)$/.test(file.type)) { showError(new Error("请选择 JPG、PNG、GIF 或 WebP 格式的图片")); return; }
  $("send-picture").disabled = true;
  try {
    const data = await new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(String(reader.result).split(",")[1]);
      reader.onerror = () => reject(new Error("无法读取这张图片"));
      reader.readAsDataURL(file);
    });
    await api(`/tickets/${state.ticketId}/picture`, { body: { data } });
    await refreshTicket();
  } catch (error) { showError(error); }
  finally { $("send-picture").disabled = false; $("picture-file").value = ""; }
}

$("send-picture").addEventListener("click", () => $("picture-file").click());
$("picture-file").addEventListener("change", () => sendPicture($("picture-file").files[0]));
$("reply-text").addEventListener("input", () => {  // the customer sees "客服正在输入…", at most every 3 s
  const now = Date.now();
  if (state.ticketId === null || !state.detail || !state.detail.mine || now - (state.typedAt || 0) < 3000) return;
  state.typedAt = now;
  api(`/tickets/${state.ticketId}/typing`, { body: {} }).catch(() => {});
});
$("logout").addEventListener("click", async () => {
  await api("/logout", { body: {} }).catch(() => {});
  window.location.href = "/console/login";
});

(async function start() {
  state.agent = (await api("/me")).agent;
  $("agent-name").textContent = state.agent.display_name;
  setupAlerts();
  setupNotes();
  await Promise.all([refreshQueue(), setupComposer(), setupRouting(), setupInbox()]);
  listen();
})().catch(showError);
