// Instants shown as the site's wall-clock time, whatever the box's TZ is.

export interface SiteTime {
  timezone: string;
  /** The wall-clock time of `t` in the zone, as epoch ms read as if it were UTC. */
  wall(t: number): number;
  /** yyyy-mm-dd */
  date(t: number): string;
  /** yyyy-mm-dd HH:MM:SS */
  dateTime(t: number): string;
  /** HH:MM */
  time(t: number): string;
  /** e.g. "UTC+08:00" */
  offset(t: number): string;
}

export function siteTime(timezone: string): SiteTime {
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone: timezone, hourCycle: "h23",
    year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric",
  });
  const zoneName = new Intl.DateTimeFormat("en-US", { timeZone: timezone, timeZoneName: "longOffset" });
  const wall = (t: number): number => {
    const p: Record<string, number> = {};
    for (const part of format.formatToParts(t)) if (part.type !== "literal") p[part.type] = Number(part.value);
    return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  };
  const iso = (t: number) => new Date(wall(t)).toISOString();
  return {
    timezone,
    wall,
    date: (t) => iso(t).slice(0, 10),
    dateTime: (t) => iso(t).slice(0, 19).replace("T", " "),
    time: (t) => iso(t).slice(11, 16),
    offset: (t) => {
      const name = zoneName.formatToParts(t).find((p) => p.type === "timeZoneName")?.value ?? "GMT";
      return name === "GMT" ? "UTC+00:00" : name.replace("GMT", "UTC");
    },
  };
}
