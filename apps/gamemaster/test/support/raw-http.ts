import { connect, type Socket } from "node:net";

/** One HTTP/1.1 answer read off a raw socket. */
export interface RawResponse {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: string;
}

/**
 * A raw keep-alive HTTP/1.1 connection: the tests need to know that the
 * second request really travels on the socket of the first, which no client
 * library promises (they reconnect silently).
 */
export class RawConnection {
  readonly socket: Socket;
  #buffer = Buffer.alloc(0);
  #waiters: (() => void)[] = [];
  /** Set when the server ended or reset the connection. */
  ended: "end" | "reset" | undefined;
  /** Errors of writes the server did not read (EPIPE after it closed). */
  writeErrors = 0;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on("data", (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      this.#wake();
    });
    socket.on("end", () => {
      this.ended ??= "end";
      this.#wake();
    });
    socket.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE") {
        this.writeErrors += 1;
      } else {
        this.ended = "reset";
      }
      this.#wake();
    });
    socket.on("close", () => {
      this.ended ??= "end";
      this.#wake();
    });
  }

  /** Opens a connection to `http://host:port`. */
  static open(url: string): Promise<RawConnection> {
    const { hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = connect({ host: hostname, port: Number(port) }, () =>
        resolve(new RawConnection(socket)),
      );
      socket.once("error", reject);
    });
  }

  /** Writes one request; the body is sent with its Content-Length. */
  send(
    method: string,
    path: string,
    options: { body?: string | Buffer; headers?: Record<string, string> } = {},
  ): void {
    const body =
      options.body === undefined
        ? undefined
        : typeof options.body === "string"
          ? Buffer.from(options.body)
          : options.body;
    const lines = [`${method} ${path} HTTP/1.1`, "host: gm.test"];
    for (const [name, value] of Object.entries(options.headers ?? {})) {
      lines.push(`${name}: ${value}`);
    }
    if (body !== undefined) {
      lines.push(`content-length: ${body.length}`);
    }
    this.socket.write(`${lines.join("\r\n")}\r\n\r\n`);
    if (body !== undefined) {
      this.socket.write(body);
    }
  }

  /** Reads the next answer (Content-Length framed), failing after `timeoutMs`. */
  async read(timeoutMs = 10_000): Promise<RawResponse> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const parsed = this.#parse();
      if (parsed !== undefined) {
        return parsed;
      }
      if (this.ended !== undefined) {
        throw new Error(`connection ${this.ended} before a complete answer`);
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error("no answer in time");
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Sends one request and reads its answer. */
  async request(
    method: string,
    path: string,
    options: { body?: string | Buffer; headers?: Record<string, string> } = {},
  ): Promise<RawResponse> {
    this.send(method, path, options);
    return this.read();
  }

  /** Waits until the server ends the connection or `ms` pass; returns how it ended. */
  async waitEnd(ms: number): Promise<"end" | "reset" | undefined> {
    const deadline = Date.now() + ms;
    while (this.ended === undefined && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.ended;
  }

  close(): void {
    this.socket.destroy();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  #parse(): RawResponse | undefined {
    const headEnd = this.#buffer.indexOf("\r\n\r\n");
    if (headEnd < 0) {
      return undefined;
    }
    const [statusLine = "", ...headerLines] = this.#buffer
      .subarray(0, headEnd)
      .toString("latin1")
      .split("\r\n");
    const headers: Record<string, string> = {};
    for (const line of headerLines) {
      const colon = line.indexOf(":");
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers["content-length"] ?? 0);
    const start = headEnd + 4;
    if (this.#buffer.length < start + length) {
      return undefined;
    }
    const body = this.#buffer.subarray(start, start + length).toString("utf8");
    this.#buffer = this.#buffer.subarray(start + length);
    return { status: Number(statusLine.split(" ")[1]), headers, body };
  }
}
