import type { Command } from 'commander';
import { runDoctor, type DoctorReport } from '../doctor.ts';
import { log } from '../../util/log.ts';

function formatReport(r: DoctorReport): string {
  const lines: string[] = [];
  if ('error' in r.backend) lines.push(`backend   ERROR ${r.backend.error}`);
  else {
    lines.push(
      `backend   ${r.backend.choice} (tfjs '${r.backend.tfBackend}'${r.backend.forced ? ', forced by BRIDGEFACE_BACKEND' : ''})`,
    );
    for (const s of r.backend.skipped) lines.push(`          skipped ${s.choice}: ${s.reason}`);
  }
  const n = r.native;
  lines.push(
    n.available && n.mode !== 'off'
      ? `native    students and the small-face detector run on oneDNN (BRIDGEFACE_NATIVE=${n.mode}, ${n.threads} thread${n.threads === 1 ? '' : 's'})`
      : n.available
        ? 'native    oneDNN addon built; off (BRIDGEFACE_NATIVE=off): everything runs on tfjs'
        : `native    ${n.mode === 'on' ? 'ERROR' : 'not available'}: ${n.error} (everything runs on tfjs)`,
  );
  lines.push(
    r.ffmpeg
      ? `ffmpeg    ${r.ffmpeg.path} [${r.ffmpeg.source}] ${r.ffmpeg.version}`
      : 'ffmpeg    NOT FOUND (install ffmpeg or run npm install)',
  );
  lines.push(
    r.redis.reachable
      ? `redis     ${r.redis.url} reachable (v${r.redis.version ?? '?'})`
      : `redis     ${r.redis.url} UNREACHABLE: ${r.redis.error}`,
  );
  for (const m of r.models)
    lines.push(
      `model     ${m.present ? 'ok     ' : 'MISSING'} ${m.name} ${m.present ? `${m.bytes} B` : m.path}`,
    );
  return lines.join('\n');
}

export function register(program: Command): void {
  program
    .command('doctor')
    .description('report the runtime: tfjs backend, native runtime, FFmpeg, Redis, model files')
    .option('--json', 'print the report as JSON (keys: backend, ffmpeg, redis, models, native)')
    .action(async (opts: { json?: boolean }) => {
      // The report says which backend was chosen and why: its log line would say it a second time.
      log.level = 'warn';
      const report = await runDoctor();
      console.log(opts.json ? JSON.stringify(report, null, 2) : formatReport(report));
    });
}
