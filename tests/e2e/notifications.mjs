// A desktop notification service for the tests: it owns org.freedesktop.Notifications on the
// test's private D-Bus session (scripts/with-keyring), as a desktop's notification daemon
// does, records every notification the app raises, and can "click" one (the ActionInvoked
// signal a daemon sends when the person clicks it).

import dbus from "dbus-next";

const { Interface } = dbus.interface;

class Notifications extends Interface {
  constructor() {
    super("org.freedesktop.Notifications");
    this.received = [];
  }

  GetCapabilities() {
    // like GNOME Shell: actions, and markup in the body (so the app must escape member text)
    return ["actions", "body", "body-markup"];
  }

  Notify(appName, replacesId, icon, summary, body, actions, hints, timeout) {
    const id = this.received.length + 1;
    this.received.push({ id, appName, summary, body, actions });
    return id;
  }

  CloseNotification(id) {}

  GetServerInformation() {
    return ["hearth-test-notifications", "Hearth", "1.0", "1.2"];
  }

  ActionInvoked(id, action) {
    return [id, action];
  }

  NotificationClosed(id, reason) {
    return [id, reason];
  }
}

Notifications.configureMembers({
  methods: {
    GetCapabilities: { outSignature: "as" },
    Notify: { inSignature: "susssasa{sv}i", outSignature: "u" },
    CloseNotification: { inSignature: "u" },
    GetServerInformation: { outSignature: "ssss" },
  },
  signals: {
    ActionInvoked: { signature: "us" },
    NotificationClosed: { signature: "uu" },
  },
});

/** Starts the service on the session bus; `stop()` gives the name back. */
export async function startNotifications() {
  const bus = dbus.sessionBus();
  const service = new Notifications();
  await bus.requestName("org.freedesktop.Notifications", 0);
  bus.export("/org/freedesktop/Notifications", service);
  return {
    received: service.received,
    /** Clicks notification `id`, as the person would. */
    click: (id) => service.ActionInvoked(id, "default"),
    stop: () => bus.disconnect(),
  };
}
