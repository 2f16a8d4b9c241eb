/**
 * Batches DOM work per animation frame. Events may arrive thousands per second; the views only
 * mark what changed and draw once per frame, within a time budget, so input stays responsive.
 */
export class FrameScheduler {
  private scheduled = false;
  private disposed = false;

  /** `work` draws for at most until `deadline` (a `performance.now()` time); returns true if work is left. */
  constructor(
    private readonly work: (deadline: number) => boolean,
    private readonly budgetMs = 10,
  ) {}

  request(): void {
    if (this.scheduled || this.disposed) return;
    this.scheduled = true;
    requestAnimationFrame(this.run);
  }

  dispose(): void {
    this.disposed = true;
  }

  private readonly run = (): void => {
    this.scheduled = false;
    if (this.disposed) return;
    const more = this.work(performance.now() + this.budgetMs);
    if (more) this.request();
  };
}
