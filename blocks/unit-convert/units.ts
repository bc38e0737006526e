/**
 * The unit table of dengta.transform.unit. Every unit converts to its dimension's base unit by
 * `base = (x + pre) * num / den`; keeping the factor as a ratio of two exact numbers makes the
 * usual conversions exact in binary floating point (212 °F → 100 °C, 100 L/min → 6 m³/h).
 */
export type Dimension = "temperature" | "length" | "pressure" | "speed" | "time" | "mass" | "flow";

export interface UnitDef {
  dimension: Dimension;
  /** Added before scaling (temperatures only). */
  pre: number;
  num: number;
  den: number;
}

const unit = (dimension: Dimension, num: number, den = 1, pre = 0): UnitDef => ({ dimension, pre, num, den });

/** Pounds-force per square inch in pascals: 0.45359237 kg × 9.80665 m/s² ÷ (0.0254 m)². */
const PSI_IN_PA = (0.45359237 * 9.80665) / (0.0254 * 0.0254);

export const UNITS: Readonly<Record<string, UnitDef>> = {
  // temperature, base °C
  "°C": unit("temperature", 1), degC: unit("temperature", 1),
  "°F": unit("temperature", 5, 9, -32), degF: unit("temperature", 5, 9, -32),
  K: unit("temperature", 1, 1, -273.15),
  // length, base m
  mm: unit("length", 1, 1000), cm: unit("length", 1, 100), m: unit("length", 1), in: unit("length", 254, 10000),
  // pressure, base Pa
  Pa: unit("pressure", 1), kPa: unit("pressure", 1000), MPa: unit("pressure", 1_000_000), bar: unit("pressure", 100_000),
  psi: unit("pressure", PSI_IN_PA),
  // rotational speed / frequency, base Hz
  Hz: unit("speed", 1), rpm: unit("speed", 1, 60),
  // time, base s
  ms: unit("time", 1, 1000), s: unit("time", 1), min: unit("time", 60), h: unit("time", 3600),
  // mass, base kg
  g: unit("mass", 1, 1000), kg: unit("mass", 1), t: unit("mass", 1000),
  // volume flow, base m³/s
  "L/min": unit("flow", 1, 60_000), "m³/h": unit("flow", 1, 3600), "m3/h": unit("flow", 1, 3600),
};

export const DIMENSION_NAMES: Readonly<Record<Dimension, { en: string; zh: string }>> = {
  temperature: { en: "temperature", zh: "温度" },
  length: { en: "length", zh: "长度" },
  pressure: { en: "pressure", zh: "压力" },
  speed: { en: "rotational speed", zh: "转速" },
  time: { en: "time", zh: "时间" },
  mass: { en: "mass", zh: "质量" },
  flow: { en: "volume flow", zh: "体积流量" },
};
