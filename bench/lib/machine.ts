import os from "node:os";

export type MachineInfo = {
  date: string;
  node: string;
  platform: string;
  cpus: number;
  availableParallelism: number;
  cpuModel: string;
  totalMemoryGiB: number;
  /**
   * 1-minute load average when recorded (bench/run.ts records it right after each bench, so it
   * includes the bench's own load): well above the bench's thread count means others used the CPU too.
   */
  loadAverage1m: number;
};

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpus: cpus.length,
    availableParallelism: os.availableParallelism(),
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    totalMemoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadAverage1m: Math.round(os.loadavg()[0]! * 100) / 100,
  };
}
