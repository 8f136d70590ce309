// A scenario's load shape: stages as shares of the total duration and fractions of the peak, so one
// shape serves a 10 s test run and a 10 min cluster run alike.

export interface StageShape {
  name: string;
  /** Share of the total duration (the shares of a scenario add up to 1). */
  share: number;
  /** Fraction of the peak connections. */
  connections: number;
  /** Fraction of the peak rate (ignored when the rate is uncapped). */
  rate: number;
}

export interface Stage {
  name: string;
  seconds: number;
  connections: number;
  /** Requests per second over all connections; 0 means as fast as the connections go. */
  rate: number;
}

export interface Peak {
  connections: number;
  rate: number;
}

/** The concrete stages of `shape` for a run of `seconds` at `peak`. */
export function scaleStages(shape: StageShape[], seconds: number, peak: Peak): Stage[] {
  return shape.map((stage) => {
    const rate = peak.rate > 0 ? Math.max(1, Math.round(stage.rate * peak.rate)) : 0;
    const connections = Math.max(1, Math.round(stage.connections * peak.connections));
    return {
      name: stage.name,
      seconds: stage.share * seconds,
      // autocannon paces a capped rate per connection: more connections than requests/s is idle.
      connections: rate > 0 ? Math.min(connections, rate) : connections,
      rate,
    };
  });
}

/** `90`, `90s`, `1.5m`, `2m30s`, `1h` → seconds. */
export function parseDuration(text: string): number {
  const parts = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s?)?$/.exec(
    text.trim(),
  );
  const [, h = '0', m = '0', s = '0'] = parts ?? [];
  const seconds = Number(h) * 3600 + Number(m) * 60 + Number(s);
  if (!parts || text.trim() === '' || !(seconds > 0)) {
    throw new Error(`not a duration: ${JSON.stringify(text)} (use 90s, 2m, 1m30s)`);
  }
  return seconds;
}
