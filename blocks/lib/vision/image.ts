// The value on an `image` port: the picture's bytes or its file, its size, and the part it shows.

export type ImageFormat = "png" | "jpeg";

/**
 * What `dengta.vision.capture` sends and the inspection blocks read. Exactly one of `png` and
 * `jpeg` carries the bytes; `path` names the file when the picture came from one. The engine
 * freezes the object but not the Buffer inside it: a block that reads the bytes must not change them.
 */
export interface ImageValue {
  png?: Buffer;
  jpeg?: Buffer;
  path?: string;
  width: number;
  height: number;
  /** The part's serial number; empty when the trigger and the camera gave none. */
  serial: string;
  ts: number;
  /** The binding's camera name. */
  camera: string;
}

/** Written by JSON.stringify instead of the bytes: a sink that records the message stays small. */
export type ImageSummary = Omit<ImageValue, "png" | "jpeg"> & {
  format: ImageFormat | "file";
  bytes: number;
};

/**
 * Makes an image value whose JSON form is a summary without the bytes (toJSON is not enumerable,
 * so spreading or Object.keys see only the data).
 */
export function imageValue(fields: ImageValue): ImageValue {
  const value: ImageValue = { ...fields };
  Object.defineProperty(value, "toJSON", { value: () => summarize(value), enumerable: false });
  return value;
}

export function summarize(image: ImageValue): ImageSummary {
  const bytes = image.png ?? image.jpeg;
  return {
    format: image.png ? "png" : image.jpeg ? "jpeg" : "file",
    bytes: bytes?.length ?? 0,
    ...(image.path !== undefined ? { path: image.path } : {}),
    width: image.width, height: image.height, serial: image.serial, ts: image.ts, camera: image.camera,
  };
}

/** What sharp opens: the bytes when the message carries them, else the file. */
export function imageInput(image: ImageValue): Buffer | string | undefined {
  return image.png ?? image.jpeg ?? image.path;
}

export function isImageValue(value: unknown): value is ImageValue {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Partial<ImageValue>;
  const hasPicture = Buffer.isBuffer(v.png) || Buffer.isBuffer(v.jpeg) || typeof v.path === "string";
  return hasPicture && typeof v.width === "number" && typeof v.height === "number";
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const PNG_IEND = Buffer.from([0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);

/** PNG or JPEG by the first bytes, whatever a file's name or a server's Content-Type says. */
export function formatOf(bytes: Buffer): ImageFormat | undefined {
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return "png";
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "jpeg";
  return undefined;
}

/**
 * A camera writing a file is seen before it has finished: a PNG is complete with its IEND chunk,
 * a JPEG with its end-of-image marker (some encoders pad after it, so the tail is searched).
 */
export function isComplete(bytes: Buffer): boolean {
  const format = formatOf(bytes);
  if (format === "png") return bytes.length >= 20 && bytes.subarray(bytes.length - 8).equals(PNG_IEND);
  if (format === "jpeg") {
    for (let i = bytes.length - 2; i >= Math.max(2, bytes.length - 64); i--) {
      if (bytes[i] === 0xff && bytes[i + 1] === 0xd9) return true;
    }
  }
  return false;
}

/** Width and height from the PNG header or the JPEG start-of-frame, without decoding. */
export function sizeOf(bytes: Buffer): { width: number; height: number } | undefined {
  const format = formatOf(bytes);
  if (format === "png") return bytes.length >= 24 ? { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) } : undefined;
  if (format !== "jpeg") return undefined;
  let i = 2;
  while (i + 9 < bytes.length) {
    if (bytes[i] !== 0xff) return undefined;
    const marker = bytes[i + 1]!;
    if (marker === 0xff) { i++; continue; }
    const length = bytes.readUInt16BE(i + 2);
    // SOF0..SOF15 carry the size, except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: bytes.readUInt16BE(i + 5), width: bytes.readUInt16BE(i + 7) };
    }
    i += 2 + length;
  }
  return undefined;
}

/** A part's serial from a trigger: the value itself when it is text or a number, else its `serial` field. */
export function serialOf(value: unknown): string | undefined {
  if (typeof value === "string") return value.length > 0 ? value : undefined;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value === "object" && value !== null && "serial" in value) {
    const serial = (value as { serial: unknown }).serial;
    if (typeof serial === "string" && serial.length > 0) return serial;
    if (typeof serial === "number") return String(serial);
  }
  return undefined;
}
