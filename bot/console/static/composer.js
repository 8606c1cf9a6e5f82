// TP agent console: the reply composer. Knowledge suggestions and quick replies are inserted into the editor, never
// sent directly: the agent reads and edits, then sends. "/" plus a few characters finds a quick reply or a knowledge
// answer; supervisors keep the quick replies (管理快捷回复). Uses $, api, element and sendReply from console.js.
"use strict";

const composer = { quickReplies: [], knowledge: [], loadedAt: 0, items: [], active: 0, slashAt: null, editing: null };
const PICKER_LIMIT = 10;
const RELOAD_AFTER_MS = 30000;  // another supervisor may have changed the list meanwhile
const UNSURE_BELOW = 0.2;

function percent(probability) {
  const value = Math.round(probability * 100);
  return value < 1 ? "<1%" : `${value}%`;
}

function insertIntoEditor(text, from = null) {
  const editor = $("reply-text");
  const start = from === null ? editor.selectionStart : from;
  const end = editor.selectionEnd;
  editor.value = editor.value.slice(0, start) + text + editor.value.slice(end);
  editor.focus();
  editor.selectionStart = editor.selectionEnd = start + text.length;
  hidePicker();
}

function renderSuggestions(suggestions, canReply) {
  const sure = suggestions.some((s) => s.confidence >= UNSURE_BELOW);
  const buttons = suggestions.map((s) => {
    const button = element("button", s.confidence >= UNSURE_BELOW ? null : "unsure",
                           `插入：${s.title}（${percent(s.confidence)}）`);
    button.type = "button";
    button.title = s.answer;
    button.disabled = !canReply;
    button.addEventListener("click", () => insertIntoEditor(s.answer));
    return button;
  });
  const note = suggestions.length && !sure ? [element("p", "meta", "机器人对以下知识推荐把握不大，请核对后再使用")] : [];
  $("suggestions").replaceChildren(...note, ...buttons);
}

async function loadComposer(force = false) {
  if (!force && Date.now() - composer.loadedAt < RELOAD_AFTER_MS) return;
  const [listed, knowledge] = await Promise.all([
    api("/quick-replies"), composer.knowledge.length ? null : api("/knowledge"),
  ]);
  composer.quickReplies = listed.quick_replies;
  if (knowledge) composer.knowledge = knowledge.entries;
  composer.loadedAt = Date.now();
  $("manage-quick-replies").hidden = !listed.may_edit;
}

// The "/query" just before the caret, at the start of the text or after a space; null when there is none.
function slashQuery() {
  const editor = $("reply-text");
  const before = editor.value.slice(0, editor.selectionStart);
  const match = /(^|\s)\/([^\s/]{0,20})$/.exec(before);
  return match ? { at: before.length - match[2].length - 1, query: match[2].toLowerCase() } : null;
}

function matches(query) {
  const has = (text) => (text || "").toLowerCase().includes(query);
  const quick = composer.quickReplies.filter((q) => has(q.title) || has(q.text))
    .map((q) => ({ kind: "快捷回复", title: q.title, text: q.text }));
  const knowledge = composer.knowledge.filter((e) => has(e.title) || (query.length >= 2 && has(e.answer)))
    .map((e) => ({ kind: "知识库", title: e.title, text: e.answer }));
  return quick.concat(knowledge).slice(0, PICKER_LIMIT);
}

function hidePicker() {
  $("picker").hidden = true;
  composer.items = [];
  composer.slashAt = null;
}

function renderPicker() {
  const picker = $("picker");
  if (!composer.items.length) {
    picker.replaceChildren(element("li", "empty", "没有匹配的快捷回复或知识库答案"));
  } else {
    picker.replaceChildren(...composer.items.map((item, index) => {
      const li = element("li", index === composer.active ? "active" : null);
      li.setAttribute("role", "option");
      li.append(element("span", "kind", item.kind), document.createTextNode(item.title),
                element("span", "meta", item.text));
      li.addEventListener("mousedown", (event) => { event.preventDefault(); choose(index); });
      return li;
    }));
  }
  picker.hidden = false;
}

async function updatePicker() {
  const found = slashQuery();
  if (!found) { hidePicker(); return; }
  await loadComposer().catch(showError);
  composer.slashAt = found.at;
  composer.items = matches(found.query);
  composer.active = 0;
  renderPicker();
}

function choose(index) {
  const item = composer.items[index];
  if (item) insertIntoEditor(item.text, composer.slashAt);
}

function onEditorKey(event) {
  if (!$("picker").hidden) {
    const moves = { ArrowDown: 1, ArrowUp: -1 };
    if (event.key in moves && composer.items.length) {
      event.preventDefault();
      composer.active = (composer.active + moves[event.key] + composer.items.length) % composer.items.length;
      renderPicker();
      return;
    }
    if ((event.key === "Enter" || event.key === "Tab") && composer.items.length) {
      event.preventDefault();
      choose(composer.active);
      return;
    }
    if (event.key === "Escape") { event.preventDefault(); hidePicker(); return; }
  }
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {  // not while an IME is composing
    event.preventDefault();
    sendReply($("reply-text").value);
  }
}

function openPicker() {
  const editor = $("reply-text");
  if (editor.disabled) return;
  const before = editor.value.slice(0, editor.selectionStart);
  insertIntoEditor(before && !/\s$/.test(before) ? " /" : "/");
  updatePicker();
}

// Supervisors: the quick-reply list, one form for adding and editing.
function renderManager() {
  $("quick-replies-list").replaceChildren(...composer.quickReplies.map((q) => {
    const li = element("li");
    li.dataset.quickReply = q.id;
    const text = element("div");
    text.append(element("strong", null, q.title), document.createTextNode(`\n${q.text}`),
                element("p", "meta", `${q.updated_by || "系统预置"} · ${q.updated_at}`));
    const edit = element("button", null, "编辑");
    edit.type = "button";
    edit.addEventListener("click", () => editQuickReply(q));
    const remove = element("button", "danger", "删除");
    remove.type = "button";
    remove.addEventListener("click", () => deleteQuickReply(q));
    li.append(text, edit, remove);
    return li;
  }));
  if (!composer.quickReplies.length) $("quick-replies-list").append(element("li", "meta", "还没有快捷回复"));
}

function editQuickReply(quickReply) {
  composer.editing = quickReply ? quickReply.id : null;
  $("quick-reply-form-title").textContent = quickReply ? `编辑：${quickReply.title}` : "新增快捷回复";
  $("quick-reply-title").value = quickReply ? quickReply.title : "";
  $("quick-reply-text").value = quickReply ? quickReply.text : "";
  $("quick-reply-cancel").hidden = !quickReply;
  $("quick-reply-error").textContent = "";
  $("quick-reply-title").focus();
}

async function saveQuickReply(event) {
  event.preventDefault();
  const body = { title: $("quick-reply-title").value, text: $("quick-reply-text").value };
  try {
    if (composer.editing === null) await api("/quick-replies", { body });
    else await api(`/quick-replies/${composer.editing}`, { method: "PUT", body });
    await loadComposer(true);
    renderManager();
    editQuickReply(null);
  } catch (error) { $("quick-reply-error").textContent = error.message; }
}

async function deleteQuickReply(quickReply) {
  if (!confirm(`确认删除快捷回复“${quickReply.title}”？`)) return;
  try {
    await api(`/quick-replies/${quickReply.id}`, { method: "DELETE", body: {} });
    if (composer.editing === quickReply.id) editQuickReply(null);
    await loadComposer(true);
    renderManager();
  } catch (error) { $("quick-reply-error").textContent = error.message; }
}

async function openManager() {
  await loadComposer(true).catch(showError);
  renderManager();
  editQuickReply(null);
  $("quick-replies-dialog").showModal();
}

function setupComposer() {
  const editor = $("reply-text");
  editor.addEventListener("keydown", onEditorKey);
  editor.addEventListener("input", updatePicker);
  editor.addEventListener("blur", hidePicker);
  $("open-picker").addEventListener("mousedown", (event) => event.preventDefault());  // keep the caret
  $("open-picker").addEventListener("click", openPicker);
  $("manage-quick-replies").addEventListener("click", openManager);
  $("quick-replies-done").addEventListener("click", () => $("quick-replies-dialog").close());
  $("quick-reply-form").addEventListener("submit", saveQuickReply);
  $("quick-reply-cancel").addEventListener("click", () => editQuickReply(null));
  return loadComposer(true);
}
