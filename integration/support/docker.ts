import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { dockerHost } from "@galaxy/testkit";

const execFileAsync = promisify(execFile);

/** The repository root: the build context of every app image. */
export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Stand-in base image `scripts/ensure-docker.sh` builds for machines without a registry. */
export const LOCAL_NODE_IMAGE = "galaxy-local/node:20-bookworm-slim";

/** A Docker client bound to the engine that answered. */
export interface Docker {
  /** `DOCKER_HOST` of the engine. */
  host: string;
  /** The client binary. */
  cli: string;
  /** Runs the client; rejects with its stderr when it exits non-zero. */
  run(args: string[], options?: { timeoutMs?: number }): Promise<string>;
}

// Debian's client (20.10) builds with BuildKit on its own; newer clients need the buildx
// plugin, which Debian does not ship (docs/container.md).
function dockerCli(): string {
  const configured = process.env.GALAXY_DOCKER_CLI?.trim();
  if (configured) return configured;
  return existsSync("/usr/bin/docker") ? "/usr/bin/docker" : "docker";
}

/**
 * The Docker engine for the container suites. Fails — never skips — when none answers, saying
 * how to get one.
 */
export async function requireDocker(): Promise<Docker> {
  const host = await dockerHost(3_000, { ...process.env, GALAXY_TEST_DOCKER: undefined });
  if (host === undefined) {
    throw new Error(
      "the container suite needs a Docker engine and none answers (DOCKER_HOST, " +
        "/var/run/docker.sock, /run/galaxy-docker.sock): run `bash scripts/ensure-docker.sh` " +
        "(as root it installs and starts one) or set DOCKER_HOST",
    );
  }
  const cli = dockerCli();
  const env = { ...process.env, DOCKER_HOST: host, DOCKER_BUILDKIT: "1" };
  return {
    host,
    cli,
    async run(args, options = {}) {
      try {
        const { stdout } = await execFileAsync(cli, args, {
          env,
          cwd: REPO_ROOT,
          maxBuffer: 64 * 1024 * 1024,
          timeout: options.timeoutMs ?? 60_000,
        });
        return stdout.trim();
      } catch (error) {
        const { stderr, stdout } = error as { stderr?: string; stdout?: string };
        const output = `${stderr ?? ""}${stdout ?? ""}`.trim().split("\n").slice(-40).join("\n");
        throw new Error(`${cli} ${args.slice(0, 3).join(" ")} … failed:\n${output}`, {
          cause: error,
        });
      }
    },
  };
}

/** Whether the engine has an image by that reference. */
export async function hasImage(docker: Docker, ref: string): Promise<boolean> {
  return docker.run(["image", "inspect", "--format", "{{.Id}}", ref]).then(
    () => true,
    () => false,
  );
}

/**
 * The base image for app builds: `GALAXY_NODE_IMAGE` when set, else the local stand-in when the
 * engine has it (no registry needed), else the official image the Dockerfile defaults to.
 */
export async function nodeImage(docker: Docker): Promise<string | undefined> {
  const configured = process.env.GALAXY_NODE_IMAGE?.trim();
  if (configured) return configured;
  return (await hasImage(docker, LOCAL_NODE_IMAGE)) ? LOCAL_NODE_IMAGE : undefined;
}

/** The CA bundle handed to the build as the "ca" secret (for a TLS-inspecting proxy), if any. */
export function buildCaBundle(): string | undefined {
  const configured = process.env.GALAXY_BUILD_CA?.trim() || process.env.NODE_EXTRA_CA_CERTS?.trim();
  if (configured) return existsSync(configured) ? configured : undefined;
  const system = "/etc/ssl/certs/ca-certificates.crt";
  return existsSync(system) ? system : undefined;
}

/**
 * Builds one app's image from apps/gamemaster/Dockerfile (`APP` selects the package) the way
 * docs/container.md tells a user to; returns the seconds it took.
 */
export async function buildAppImage(
  docker: Docker,
  options: { app: string; tag: string; dockerfile: string; nodeImage?: string },
): Promise<number> {
  const started = Date.now();
  const args = ["build", "--network", "host", "--build-arg", `APP=${options.app}`];
  if (options.nodeImage !== undefined) args.push("--build-arg", `NODE_IMAGE=${options.nodeImage}`);
  const ca = buildCaBundle();
  if (ca !== undefined) args.push("--secret", `id=ca,src=${ca}`);
  args.push("-f", options.dockerfile, "-t", options.tag, ".");
  await docker.run(args, { timeoutMs: 20 * 60_000 });
  return (Date.now() - started) / 1000;
}

/** `docker inspect` of a container, the parts the suites read. */
export interface ContainerState {
  Status: string;
  Running: boolean;
  ExitCode: number;
  OOMKilled: boolean;
  Health?: { Status: string; Log?: { ExitCode: number; Output: string }[] };
}

/** The container's state. */
export async function containerState(docker: Docker, id: string): Promise<ContainerState> {
  return JSON.parse(await docker.run(["inspect", "--format", "{{json .State}}", id]));
}

/** The container's output (stdout and stderr), last lines. */
export async function containerLogs(docker: Docker, id: string, tail = 80): Promise<string> {
  try {
    const { stdout, stderr } = await execFileAsync(
      docker.cli,
      ["logs", "--tail", String(tail), id],
      {
        env: { ...process.env, DOCKER_HOST: docker.host },
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    return `${stdout}${stderr}`;
  } catch (error) {
    return `(no logs: ${(error as Error).message})`;
  }
}
