// TP agent console: the knowledge team's inbox of questions the bot could not answer, grouped (bot/learning/inbox.py).
// Shown to knowledge users and supervisors; a group can be dismissed. Uses $, api, element and showError (console.js).
"use strict";

async function refreshInbox() {
  const view = await api("/inbox");
  $("inbox-count").textContent = view.groups.length;
  $("inbox-list").replaceChildren(...view.groups.map((group) => {
    const item = element("li");
    const head = element("div", "name", group.text);
    head.append(element("span", "badge count", String(group.count)));
    item.append(head);
    const others = group.examples.filter((text) => text !== group.text);
    if (others.length) item.append(element("p", "preview", `其他问法：${others.join(" / ")}`));
    item.append(element("p", "meta", `${group.reasons.join("、")}${group.guess ? ` · 机器人猜测 ${group.guess}` : ""} · 最近 ${group.last_at}`));
    const dismiss = element("button", "small", "忽略");
    dismiss.type = "button";
    dismiss.title = "闲聊、测试等不需要回答的问题";
    dismiss.addEventListener("click", async () => {
      try {
        await api("/inbox/dismiss", { body: { ids: group.ids } });
        await refreshInbox();
      } catch (error) { showError(error); }
    });
    item.append(dismiss);
    return item;
  }));
}

function setupInbox() {
  $("inbox").hidden = !state.agent.knowledge;
  if (!state.agent.knowledge) return Promise.resolve();
  $("inbox-refresh").addEventListener("click", () => refreshInbox().catch(showError));
  return refreshInbox();
}
