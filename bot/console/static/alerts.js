// TP agent console: alerts. A sound and a browser notification (Notification API, permission asked once) for a new
// waiting conversation and for a new customer message in my conversations; unread badges come with the queue; the
// tab title shows how many conversations wait or have unread messages. Uses $, state and openTicket (console.js).
"use strict";

const alerts = { waiting: null, unread: null, sound: null, title: document.title };

function attending() { return document.visibilityState === "visible"; }

function beep() {
  try {
    alerts.sound = alerts.sound || new AudioContext();
    if (alerts.sound.state === "suspended") alerts.sound.resume();  // allowed once the agent has clicked the page
    const tone = alerts.sound.createOscillator();
    const volume = alerts.sound.createGain();
    tone.frequency.value = 880;
    volume.gain.setValueAtTime(0.15, alerts.sound.currentTime);
    volume.gain.exponentialRampToValueAtTime(0.001, alerts.sound.currentTime + 0.4);
    tone.connect(volume).connect(alerts.sound.destination);
    tone.start();
    tone.stop(alerts.sound.currentTime + 0.4);
  } catch (error) { /* no audio device: the notification and the badge remain */ }
}

function notify(title, body, ticketId) {
  beep();
  if (!("Notification" in window) || Notification.permission !== "granted") return;
  const shown = new Notification(title, { body: body || "", tag: `tp-ticket-${ticketId}`, renotify: true });
  shown.onclick = () => { window.focus(); openTicket(ticketId); shown.close(); };
}

function offerNotifications() {
  const button = $("enable-notifications");
  button.hidden = !("Notification" in window) || Notification.permission !== "default";
}

async function askForNotifications() {
  await Notification.requestPermission().catch(() => "denied");
  offerNotifications();
}

// Called with every queue refresh; the first one only sets what is already known.
function onQueue(queue) {
  const waiting = new Set(queue.waiting.map((t) => t.id));
  const unread = new Map(queue.mine.map((t) => [t.id, t.unread]));
  if (alerts.waiting !== null) {
    queue.waiting.filter((t) => !alerts.waiting.has(t.id))
      .forEach((t) => notify(`新的排队会话：${t.customer}`, t.preview || t.reason, t.id));
    queue.mine.filter((t) => !alerts.unread.has(t.id) && t.id !== state.ticketId)  // a colleague's transfer
      .forEach((t) => notify(`同事转给您的会话：${t.customer}`, t.preview || t.reason, t.id));
    queue.mine.filter((t) => t.unread > (alerts.unread.get(t.id) || 0))
      .filter((t) => !(t.id === state.ticketId && attending()))  // the agent is looking at it
      .forEach((t) => notify(`${t.customer} 发来新消息`, t.preview, t.id));
  }
  alerts.waiting = waiting;
  alerts.unread = unread;
  const count = waiting.size + queue.mine.filter((t) => t.unread > 0).length;
  document.title = count ? `(${count}) ${alerts.title}` : alerts.title;
}

function setupAlerts() {
  offerNotifications();
  $("enable-notifications").addEventListener("click", askForNotifications);
  document.addEventListener("visibilitychange", () => { if (attending()) refreshTicket().catch(showError); });
}
