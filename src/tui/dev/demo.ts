/**
 * Runs the dashboard on animated fake tasks, to look at the layout without workers:
 * `node dist/src/tui/dev/demo.js [taskCount]`.
 */
import { renderDashboard } from '../render.js';
import { FakePool, fakeTask } from './fake-pool.js';

const count = Number(process.argv[2] ?? 5);
const sources = ['/work/shared/data/vtest.avi', 'rtsp://user:secret@10.0.0.12:554/stream1', '/videos/lobby-2024-06-01-long-name.mp4'];
const pool = new FakePool(
  Array.from({ length: count }, (_, i) =>
    fakeTask(i === 1 ? 'entrance' : `video-${i}`, { source: sources[i % sources.length], kind: i === 1 ? 'camera' : 'video' }),
  ),
  4,
);

let tick = 0;
const timer = setInterval(() => {
  tick++;
  pool.update((tasks) => {
    let slots = 4 - tasks.filter((t) => t.state === 'processing').length;
    return tasks.map((t) => {
      if (t.state === 'pending' && slots > 0) {
        slots--;
        return { ...t, state: 'processing', progress: t.kind === 'video' ? 0 : null };
      }
      if (t.state !== 'processing') return t;
      const progress = t.progress === null ? null : Math.min(1, t.progress + 0.01 + (t.id.length % 3) * 0.005);
      const crossed = tick % 7 === t.id.length % 7;
      const logs = crossed ? [...t.logs, `${new Date().toISOString()} info crossing line door (${tick})`].slice(-200) : t.logs;
      return {
        ...t,
        fps: 20 + ((tick * 7 + t.id.length) % 13),
        in: t.in + (crossed ? 1 : 0),
        occupancy: (tick + t.id.length) % 5,
        progress,
        etaSeconds: progress === null ? null : (1 - progress) * 90,
        state: progress === 1 ? 'completed' : 'processing',
        logs,
      };
    });
  });
}, 250);

renderDashboard(pool, { configPath: 'demo (fake tasks)' }).then((code) => {
  clearInterval(timer);
  process.exitCode = code;
});
