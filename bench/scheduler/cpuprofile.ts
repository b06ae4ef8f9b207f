/**
 * The top self-time functions of a V8 `.cpuprofile` (what `node --cpu-prof` writes): a JSON
 * object with `nodes` (call-tree nodes, each with its `callFrame`), `samples` (the node on top
 * of the stack at each sample) and `timeDeltas` (µs since the previous sample).
 */
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { ROOT } from "./common.js";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: CallFrame }>;
  samples: number[];
  timeDeltas: number[];
}

/** Where a function lives, short: a workspace path, or `package/file` inside node_modules. */
function place(url: string): string {
  if (url === "") return "";
  const path = url.startsWith("file://") ? fileURLToPath(url) : url;
  const inModules = path.lastIndexOf("node_modules/");
  if (inModules >= 0) return path.slice(inModules + "node_modules/".length);
  return path.startsWith(ROOT) ? relative(ROOT, path) : path;
}

/**
 * Markdown table of the `top` functions by self time. `(idle)` is left out (the process waited
 * for I/O, not worked) and the shares are of the non-idle time; `(program)` is V8 and native code
 * without a JavaScript frame, `(garbage collector)` GC.
 */
export function topSelfTime(path: string, top = 15): string {
  const profile = JSON.parse(readFileSync(path, "utf8")) as CpuProfile;
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const selfUs = new Map<string, number>();
  let busyUs = 0;
  profile.samples.forEach((nodeId, index) => {
    // The time until the next sample belongs to this one.
    const delta = profile.timeDeltas[index + 1] ?? 0;
    const frame = frames.get(nodeId);
    if (frame === undefined || frame.functionName === "(idle)") return;
    const where = place(frame.url);
    const key = `${frame.functionName || "(anonymous)"}${where === "" ? "" : ` ${where}:${frame.lineNumber + 1}`}`;
    selfUs.set(key, (selfUs.get(key) ?? 0) + delta);
    busyUs += delta;
  });
  const rows = [...selfUs.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  return [
    `busy (non-idle) time in the profile: ${(busyUs / 1e6).toFixed(2)} s`,
    "",
    "| self ms | share | function |",
    "|---:|---:|---|",
    ...rows.map(
      ([key, us]) =>
        `| ${(us / 1000).toFixed(0)} | ${((100 * us) / Math.max(1, busyUs)).toFixed(1)} % | \`${key}\` |`,
    ),
  ].join("\n");
}
