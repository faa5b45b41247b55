/*
 * Progress display for one or several variants training at once (in this process or in child
 * processes): one cli-progress bar per running variant and epoch on a terminal, one line per
 * finished epoch otherwise (so logs and CI output stay readable).
 */
import cliProgress from 'cli-progress';
import type {TrainEvent} from './train.js';

export class ProgressBoard {
  private readonly multi: cliProgress.MultiBar | null;
  private readonly bars = new Map<string, cliProgress.SingleBar>();

  constructor(bars: boolean) {
    this.multi = bars
      ? new cliProgress.MultiBar(
          {
            format: '{label} epoch {epoch} |{bar}| {value}/{total} batches | loss {loss} | acc {acc} | {duration}s',
            hideCursor: true,
            clearOnComplete: false,
            stopOnComplete: false,
          },
          cliProgress.Presets.shades_classic,
        )
      : null;
  }

  /** Draw one training event of the variant `label`. */
  update(label: string, event: TrainEvent): void {
    if (this.multi == null) {
      if (event.kind === 'epoch-end') {
        const test = event.testAcc == null ? '' : `, test acc ${event.testAcc.toFixed(4)}`;
        this.log(
          `${label} epoch ${event.epoch + 1}/${event.epochs}: loss ${event.loss.toFixed(4)}, acc ${event.acc.toFixed(4)}${test}, ${event.seconds.toFixed(1)} s`,
        );
      }
      return;
    }
    if (event.kind === 'epoch-start') {
      this.bars.get(label)?.stop();
      // A new bar per epoch keeps every finished epoch's line on screen.
      const bar = this.multi.create(event.batches, 0, {
        label: label.padEnd(16),
        epoch: `${event.epoch + 1}/${event.epochs}`,
        loss: '-----',
        acc: '-----',
      });
      this.bars.set(label, bar);
    } else if (event.kind === 'batch') {
      this.bars.get(label)?.update(event.seen, {loss: event.loss.toFixed(3), acc: event.acc.toFixed(3)});
    } else {
      this.bars.get(label)?.stop();
      this.bars.delete(label);
    }
  }

  /** Print a line above the bars (or plainly, without bars). */
  log(line: string): void {
    if (this.multi?.isActive !== true) {
      console.log(line);
      return;
    }
    this.multi.log(`${line}\n`);
    this.multi.update(); // redraw now: the MultiBar only flushes its log buffer when it redraws
  }

  stop(): void {
    this.multi?.stop();
  }
}
