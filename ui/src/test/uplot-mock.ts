// uPlot draws on a canvas, which jsdom lacks: every test gets this stand-in instead (see
// setup.ts), which records what it was asked to draw and whether it was let go of.

export interface MadePlot {
  data: unknown;
  width: number;
  destroyed: boolean;
}

/** Every chart made since the list was last emptied, oldest first. */
export const plots: MadePlot[] = [];

export default class FakePlot {
  static paths = { bars: () => () => null };
  static tzDate = (date: Date) => date;

  private readonly made: MadePlot;

  constructor(options: { width: number }, data: unknown, target?: HTMLElement) {
    this.made = { data, width: options.width, destroyed: false };
    plots.push(this.made);
    // where uPlot draws: a canvas in the chart's box
    const canvas = document.createElement('canvas');
    canvas.width = options.width;
    canvas.height = 180;
    target?.appendChild(canvas);
  }

  setSize({ width }: { width: number }) {
    this.made.width = width;
  }

  destroy() {
    this.made.destroyed = true;
  }
}
