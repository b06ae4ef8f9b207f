import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { dockerAvailable, dockerHost, dockerSwitch } from "./docker.js";
import { freePort } from "./ports.js";

const servers: Server[] = [];
const dirs: string[] = [];

function fakeDaemon(status: number): Server {
  const server = createServer((req, res) => {
    res.statusCode = req.url === "/_ping" ? status : 404;
    res.end("OK");
  });
  servers.push(server);
  return server;
}

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))),
  );
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe("dockerAvailable", () => {
  it("is false when GALAXY_TEST_DOCKER=0, whatever answers", async () => {
    const server = fakeDaemon(200);
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    expect(
      await dockerAvailable(500, {
        DOCKER_HOST: `tcp://127.0.0.1:${port}`,
        GALAXY_TEST_DOCKER: "0",
      }),
    ).toBe(false);
  });

  it("is true when a daemon on a unix socket answers /_ping", async () => {
    const dir = await mkdtemp(join(tmpdir(), "testkit-docker-"));
    dirs.push(dir);
    const socketPath = join(dir, "docker.sock");
    const server = fakeDaemon(200);
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    expect(await dockerAvailable(500, { DOCKER_HOST: `unix://${socketPath}` })).toBe(true);
  });

  it("is true when a daemon on tcp answers /_ping", async () => {
    const server = fakeDaemon(200);
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    expect(await dockerAvailable(500, { DOCKER_HOST: `tcp://127.0.0.1:${port}` })).toBe(true);
  });

  it("is false when the daemon answers with an error status", async () => {
    const server = fakeDaemon(500);
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    expect(await dockerAvailable(500, { DOCKER_HOST: `tcp://127.0.0.1:${port}` })).toBe(false);
  });

  it("is false, quickly, when nothing listens", async () => {
    const port = await freePort();
    const started = Date.now();
    expect(await dockerAvailable(500, { DOCKER_HOST: `tcp://127.0.0.1:${port}` })).toBe(false);
    expect(await dockerAvailable(500, { DOCKER_HOST: "unix:///nonexistent/docker.sock" })).toBe(
      false,
    );
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("is false when a daemon hangs past the timeout", async () => {
    const server = createServer(() => {});
    servers.push(server);
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    const started = Date.now();
    expect(await dockerAvailable(200, { DOCKER_HOST: `tcp://127.0.0.1:${port}` })).toBe(false);
    expect(Date.now() - started).toBeLessThan(1_500);
    server.closeAllConnections();
  });
});

describe("dockerHost", () => {
  it("names the endpoint that answered, as a DOCKER_HOST URL", async () => {
    const server = fakeDaemon(200);
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    const host = `tcp://127.0.0.1:${port}`;
    expect(await dockerHost(500, { DOCKER_HOST: host })).toBe(host);
    expect(await dockerHost(500, { DOCKER_HOST: host, GALAXY_TEST_DOCKER: "0" })).toBeUndefined();
  });

  it("without DOCKER_HOST, falls back to the project's socket (GALAXY_DOCKER_SOCKET)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "testkit-docker-"));
    dirs.push(dir);
    const socketPath = join(dir, "galaxy-docker.sock");
    const server = fakeDaemon(200);
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    const env = { GALAXY_DOCKER_SOCKET: socketPath, HOME: dir };
    const found = await dockerHost(500, env);
    // A daemon on the machine's default socket comes first when there is one.
    const expected = existsSync("/var/run/docker.sock")
      ? [`unix://${socketPath}`, "unix:///var/run/docker.sock"]
      : [`unix://${socketPath}`];
    expect(expected).toContain(found);
    server.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    if (!existsSync("/var/run/docker.sock")) {
      expect(await dockerHost(500, env)).toBeUndefined();
    }
  });
});

describe("dockerSwitch", () => {
  it("reads GALAXY_TEST_DOCKER: 0/false off, 1/true required, anything else detect", () => {
    expect(dockerSwitch({ GALAXY_TEST_DOCKER: "0" })).toBe("off");
    expect(dockerSwitch({ GALAXY_TEST_DOCKER: "FALSE" })).toBe("off");
    expect(dockerSwitch({ GALAXY_TEST_DOCKER: "1" })).toBe("required");
    expect(dockerSwitch({ GALAXY_TEST_DOCKER: " true " })).toBe("required");
    expect(dockerSwitch({})).toBe("detect");
    expect(dockerSwitch({ GALAXY_TEST_DOCKER: "" })).toBe("detect");
  });
});
