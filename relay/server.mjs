// Hearth's team relay: the standard automerge-repo sync server (the automerge-repo packages,
// a WebSocket per laptop), admitting only clients that present the team's secret.
//
// Environment:
//   RELAY_SECRET  the team's secret (required; at least 16 characters). Hearth sends it as
//                 `Authorization: Bearer <secret>` on the WebSocket upgrade.
//   PORT          where to listen (default 3030; 0 lets the system pick, and the port is printed)
//   HOST          the address to listen on (default 127.0.0.1; behind a TLS proxy keep it so)
//   DATA_DIR      where the Automerge documents are kept (default ./data); nothing else is stored
//   TLS_CERT, TLS_KEY  PEM files: serve wss:// directly instead of behind a proxy
//
// It keeps only Automerge documents a Hearth created, and shares a document only with a
// client that asks for it by its id (which only a join link carries).
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import crypto from "node:crypto";
import { WebSocketServer } from "ws";
import { Repo } from "@automerge/automerge-repo";
import { NodeWSServerAdapter } from "@automerge/automerge-repo-network-websocket";
import { NodeFSStorageAdapter } from "@automerge/automerge-repo-storage-nodefs";

const secret = process.env.RELAY_SECRET ?? "";
if (secret.length < 16) {
  console.error("RELAY_SECRET must be set to the team's secret (16 characters or more; `openssl rand -base64 32` makes one)");
  process.exit(2);
}
const port = Number.parseInt(process.env.PORT ?? "3030", 10);
const host = process.env.HOST ?? "127.0.0.1";
const dataDir = process.env.DATA_DIR ?? "./data";
fs.mkdirSync(dataDir, { recursive: true });

const sockets = new WebSocketServer({ noServer: true });
const repo = new Repo({
  network: [new NodeWSServerAdapter(sockets)],
  storage: new NodeFSStorageAdapter(dataDir),
  peerId: `hearth-relay-${crypto.randomUUID()}`,
  // a relay announces nothing: a client gets a document by asking for its id
  sharePolicy: async () => false,
});

const expected = crypto.createHash("sha256").update(secret).digest();
function admitted(request) {
  const header = request.headers.authorization ?? "";
  if (!header.startsWith("Bearer ")) return false;
  // compared as hashes, in constant time whatever the length given
  const given = crypto.createHash("sha256").update(header.slice("Bearer ".length)).digest();
  return crypto.timingSafeEqual(given, expected);
}

const tls =
  process.env.TLS_CERT && process.env.TLS_KEY
    ? { cert: fs.readFileSync(process.env.TLS_CERT), key: fs.readFileSync(process.env.TLS_KEY) }
    : null;
const answer = (request, response) => {
  response.writeHead(200, { "content-type": "text/plain" }).end("Hearth team relay\n");
};
const server = tls ? https.createServer(tls, answer) : http.createServer(answer);

server.on("upgrade", (request, socket, head) => {
  if (!admitted(request)) {
    console.log(`${new Date().toISOString()} refused a client without the team's secret from ${socket.remoteAddress}`);
    socket.end("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    return;
  }
  sockets.handleUpgrade(request, socket, head, (ws) => sockets.emit("connection", ws, request));
});

server.listen(port, host, () => {
  const { port: actual } = server.address();
  console.log(`Hearth team relay listening on ${tls ? "wss" : "ws"}://${host}:${actual}, documents in ${dataDir}`);
});

async function stop() {
  server.close();
  sockets.close();
  await repo.shutdown();
  process.exit(0);
}
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
