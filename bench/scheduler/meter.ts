/** Samples a row's processes and the machine's services around the burst. */
import type { NodeProcess } from "./processes.js";
import { type ServicesSample, sampleServices } from "./procstat.js";
import { type ProcessFigures, servicesCpu } from "./stats.js";

export class Meter {
  #before = new Map<NodeProcess, number>();
  #services: ServicesSample | undefined;

  constructor(
    private readonly runners: readonly NodeProcess[],
    private readonly engine: NodeProcess,
  ) {}

  /** Just before T0. */
  start(): void {
    for (const process of [...this.runners, this.engine]) {
      this.#before.set(process, process.cpuSeconds());
    }
    this.#services = sampleServices();
  }

  /** Once the last outcome is in (before any process is stopped: VmHWM dies with it). */
  stop() {
    const figures = (process: NodeProcess): ProcessFigures => ({
      name: process.name,
      cpuSeconds: process.cpuSeconds() - (this.#before.get(process) ?? Number.NaN),
      peakRssMb: process.peakRssMb(),
    });
    const services = sampleServices();
    return {
      runners: this.runners.map(figures),
      engine: figures(this.engine),
      ...servicesCpu(this.#services ?? services, services),
    };
  }
}
