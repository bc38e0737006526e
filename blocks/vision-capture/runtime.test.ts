import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { appendFile, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defineBlock } from "../../runtime/block.ts";
import { WallClock } from "../../runtime/clock.ts";
import { Camera } from "../../simulator/camera/image.ts";
import { startSimulator, type RunningSimulator } from "../../simulator/index.ts";
import { libraryBlock } from "../../test/library-block.ts";
import subscribe from "../opcua-subscribe/runtime.ts";
import { FolderCamera } from "../lib/vision/folder-camera.ts";
import type { ImageValue } from "../lib/vision/image.ts";
import { runWithSite } from "../../test/support/engine-with-site.ts";
import capture from "./runtime.ts";

const camera = new Camera(2);
const picture = (serial: string) => camera.picture({ serial, time: 0, defect: "none" });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function folderRun(folder: string, config: Record<string, unknown> = {}) {
  return runWithSite({
    nodes: { cam: { block: capture, config: { camera: "main", pollMs: 200, settleMs: 30, ...config }, outputs: ["image", "missed"] } },
    inject: ["cam.trigger"],
    capture: ["cam.image", "cam.missed"],
    cameras: { main: { kind: "folder", path: folder } },
  });
}

const images = (run: { captured(port: string): Array<{ value: unknown }> }) => run.captured("cam.image").map((m) => m.value as ImageValue);

describe("dengta.vision.capture, folder", () => {
  it("sends each new complete file once, oldest first, serial from its name; files there at start are skipped", async () => {
    const folder = mkdtempSync(join(tmpdir(), "dengta-cam-"));
    writeFileSync(join(folder, "old.png"), await picture("old"));
    const run = await folderRun(folder);
    const bytes = await picture("M3-000001");
    // Written in two parts with a pause: the half-written file must not be sent.
    await writeFile(join(folder, "M3-000001.png"), bytes.subarray(0, 1000));
    await sleep(150);
    await appendFile(join(folder, "M3-000001.png"), bytes.subarray(1000));
    for (const serial of ["M3-000002", "M3-000003"]) {
      await sleep(20);
      writeFileSync(join(folder, `${serial}.png`), await picture(serial));
    }
    writeFileSync(join(folder, "notes.txt"), "not a picture");
    await run.waitFor("three pictures", () => images(run).length >= 3);
    await sleep(500);
    await run.stop();
    const sent = images(run);
    expect(sent.map((i) => i.serial)).toEqual(["M3-000001", "M3-000002", "M3-000003"]);
    expect(sent[0]!.png!.equals(bytes)).toBe(true);
    expect(sent[0]).toMatchObject({ width: 640, height: 480, camera: "main", path: join(folder, "M3-000001.png") });
    expect(JSON.parse(JSON.stringify(sent[0]))).toMatchObject({ format: "png", bytes: bytes.length, serial: "M3-000001" });
  });

  it("moves processed files, processes those waiting at start, and gives files the triggers' serials in order", async () => {
    const folder = mkdtempSync(join(tmpdir(), "dengta-cam-"));
    writeFileSync(join(folder, "img-0001.png"), await picture("a"));
    const run = await folderRun(folder, { moveTo: "done", serialFrom: "trigger" });
    await run.waitFor("the waiting file", () => images(run).length >= 1);
    run.send("cam.trigger", "P-7");
    run.send("cam.trigger", { serial: "P-8", present: true });
    await sleep(50);
    writeFileSync(join(folder, "img-0002.png"), await picture("b"));
    await sleep(40);
    const jpeg = await sharp(await picture("c")).jpeg().toBuffer();
    writeFileSync(join(folder, "img-0003.jpg"), jpeg);
    await run.waitFor("three pictures", () => images(run).length >= 3);
    await run.stop();
    const sent = images(run);
    expect(sent.map((i) => i.serial)).toEqual(["img-0001", "P-7", "P-8"]);
    expect(sent[2]!.jpeg!.equals(jpeg)).toBe(true);
    expect(sent[2]).toMatchObject({ width: 640, height: 480, path: join(folder, "done", "img-0003.jpg") });
    expect(readdirSync(folder).sort()).toEqual(["done"]);
    expect(readdirSync(join(folder, "done")).sort()).toEqual(["img-0001.png", "img-0002.png", "img-0003.jpg"]);
    expect(run.engine.counters()["cam.untriggered"]).toBe(1);
  });

  it("finds files by polling alone when the folder cannot be watched", async () => {
    const folder = mkdtempSync(join(tmpdir(), "dengta-cam-"));
    const clock = new WallClock();
    const found: string[] = [];
    const quiet = { info: () => {}, warn: () => {}, error: () => {} };
    const camera = new FolderCamera({ folder, pollMs: 50, settleMs: 20, watch: false }, { clock, log: quiet, metrics: { count: () => {}, gauge: () => {} } }, (file) => {
      found.push(file.name);
    });
    await camera.start();
    writeFileSync(join(folder, "M3-000042.png"), await picture("x"));
    const until = Date.now() + 5000;
    while (found.length === 0 && Date.now() < until) await sleep(10);
    await camera.stop();
    clock.clearAll();
    expect(found).toEqual(["M3-000042.png"]);
  });

  it("stops with a worded error when the binding has no such camera", async () => {
    await expect(runWithSite({ nodes: { cam: { block: capture, config: { camera: "side" }, outputs: ["image", "missed"] } }, cameras: { main: { kind: "folder", path: "/tmp" } } }))
      .rejects.toThrow(/no camera 'side' \(it has: main\)/);
  });
});

describe("dengta.vision.capture, http", () => {
  let server: Server;
  let base: string;
  const requests: string[] = [];

  beforeAll(async () => {
    const png = await picture("snap");
    server = createServer((request, response) => {
      requests.push(request.url ?? "");
      if (request.url?.startsWith("/snap/")) {
        response.writeHead(200, { "content-type": "image/png" }).end(png);
      } else if (request.url === "/slow") {
        setTimeout(() => response.writeHead(200).end(png), 1000);
      } else if (request.url === "/text") {
        response.writeHead(200, { "content-type": "text/html" }).end("<html>login</html>");
      } else {
        response.writeHead(404, "Not Found").end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  async function httpRun(path: string, timeoutMs = 3000) {
    const run = await runWithSite({
      nodes: { cam: { block: capture, config: { camera: "snap", timeoutMs }, outputs: ["image", "missed"] } },
      inject: ["cam.trigger"],
      capture: ["cam.image", "cam.missed"],
      cameras: { snap: { kind: "http", url: `${base}${path}` } },
    });
    return run;
  }

  it("GETs the snapshot on each trigger, with the serial in the URL", async () => {
    const run = await httpRun("/snap/{serial}.png");
    run.send("cam.trigger", "M3-000001");
    run.send("cam.trigger", { serial: "M3 000002" });
    await run.waitFor("two pictures", () => images(run).length >= 2);
    await run.stop();
    expect(images(run).map((i) => [i.serial, i.width, i.height, i.png!.length > 1000])).toEqual([["M3-000001", 640, 480, true], ["M3 000002", 640, 480, true]]);
    expect(requests).toEqual(expect.arrayContaining(["/snap/M3-000001.png", "/snap/M3%20000002.png"]));
  });

  it("reports a timeout, a 404, a page that is not a picture and a closed port, in both languages, on 'missed'", async () => {
    const cases: Array<[string, RegExp, RegExp]> = [
      ["/slow", /did not answer within 200 ms/, /200 毫秒内无应答/],
      ["/missing", /answered 404 Not Found/, /返回 404/],
      ["/text", /bytes of text\/html, not a PNG or JPEG/, /不是 PNG 或 JPEG/],
    ];
    for (const [path, en, zh] of cases) {
      const run = await httpRun(path, 200);
      run.send("cam.trigger", "M3-000009");
      const missed = await run.waitFor("missed", () => run.captured("cam.missed")[0]);
      await run.stop();
      expect(missed.value).toMatchObject({ serial: "M3-000009", camera: "snap", code: "camera-failed", en: expect.stringMatching(en), "zh-CN": expect.stringMatching(zh) });
      expect(missed.quality).toBe("bad");
      expect(run.logs.find((l) => l.level === "warn")!.zh).toMatch(zh);
      expect(images(run)).toEqual([]);
    }
    const spare = createServer();
    await new Promise<void>((resolve) => spare.listen(0, "127.0.0.1", resolve));
    const closedPort = (spare.address() as AddressInfo).port;
    await new Promise((resolve) => spare.close(resolve));
    const closed = await runWithSite({
      nodes: { cam: { block: capture, config: { camera: "snap", timeoutMs: 500 }, outputs: ["image", "missed"] } },
      inject: ["cam.trigger"], capture: ["cam.missed"], cameras: { snap: { kind: "http", url: `http://127.0.0.1:${closedPort}/x.png` } },
    });
    closed.send("cam.trigger", "S");
    const missed = await closed.waitFor("missed", () => closed.captured("cam.missed")[0]);
    await closed.stop();
    expect((missed.value as { en: string }).en).toMatch(new RegExp(`cannot reach camera http://127.0.0.1:${closedPort}/x.png: .*ECONNREFUSED`));
  });
});

describe("dengta.vision.capture, simulator", () => {
  let root: string;
  let sim: RunningSimulator;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "dengta-cam-sim-"));
    sim = await startSimulator({ port: 0, seed: 3, speed: 100, pkiDir: join(root, "pki") });
  });
  afterAll(async () => {
    await sim?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it("matches each part's picture by serial (PartSerial trigger) and by time (PartPresent trigger)", async () => {
    const nonEmpty = defineBlock({ onMessage(_port, msg, ctx) { if (msg.value !== "") ctx.emit("out", msg.value, { ts: msg.ts }); } });
    const ns = "nsu=urn:dengta:simulator;";
    const run = await runWithSite({
      nodes: {
        serials: { block: subscribe, config: { signal: "partSerial" }, outputs: ["out"] },
        present: { block: subscribe, config: { signal: "partPresent", edge: "rising" }, outputs: ["out"] },
        serialOnly: { block: nonEmpty, outputs: ["out"] },
        bySerial: { block: capture, config: { camera: "station", timeoutMs: 3000 }, outputs: ["image", "missed"] },
        byTime: { block: capture, config: { camera: "station", timeoutMs: 3000 }, outputs: ["image", "missed"] },
      },
      edges: ["serials.out -> serialOnly.in", "serialOnly.out -> bySerial.trigger", "present.out -> byTime.trigger"],
      inject: ["bySerial.trigger"],
      capture: ["bySerial.image", "bySerial.missed", "byTime.image", "byTime.missed", "serialOnly.out"],
      endpoints: { sim: { url: sim.endpointUrl, publishingMs: 10 } },
      signals: {
        partSerial: { binding: { endpoint: "sim", nodeId: `${ns}s=Station.PartSerial`, samplingMs: 0, queueSize: 20 } },
        partPresent: { binding: { endpoint: "sim", nodeId: `${ns}s=Station.PartPresent`, samplingMs: 0, queueSize: 20 } },
      },
      cameras: { station: { kind: "simulator", endpoint: "sim" } },
    });
    await run.waitFor("8 pictures by serial", () => run.captured("bySerial.image").length >= 8, 40_000);
    run.send("bySerial.trigger", "M3-999999");
    await run.waitFor("the unknown part missed", () => run.captured("bySerial.missed").length >= 1, 10_000);
    await run.stop();
    const truth = sim.truth();
    const bySerial = run.captured("bySerial.image");
    const triggers = run.captured("serialOnly.out").map((m) => m.value as string);
    expect(bySerial.map((m) => (m.value as ImageValue).serial)).toEqual(triggers.slice(0, bySerial.length));
    for (const msg of bySerial) {
      const image = msg.value as ImageValue;
      const part = truth.parts.find((p) => p.serial === image.serial)!;
      expect(image.ts).toBe(part.time);
      expect(msg.ts).toBe(part.time);
      expect(image.png!.equals(await new Camera(3).picture(part))).toBe(true);
    }
    const byTime = run.captured("byTime.image").map((m) => m.value as ImageValue);
    expect(byTime.length).toBeGreaterThanOrEqual(6);
    for (const image of byTime) expect(truth.parts.find((p) => p.serial === image.serial)!.time).toBe(image.ts);
    expect(run.captured("byTime.missed")).toEqual([]);
    const missed = run.captured("bySerial.missed").map((m) => m.value as { serial: string; code: string; "zh-CN": string });
    expect(missed).toEqual([expect.objectContaining({ serial: "M3-999999", code: "no-picture" })]);
    expect(missed[0]!["zh-CN"]).toContain("3000 毫秒内没有工件 M3-999999");
  });
});

describe("dengta.vision.capture, manifest", () => {
  it("has a valid manifest and config schema", () => {
    const validate = libraryBlock(new URL(".", import.meta.url)).configValidator();
    const config: Record<string, unknown> = { camera: "main" };
    expect(validate(config)).toBe(true);
    expect(config).toEqual({ camera: "main", timeoutMs: 5000, serialFrom: "name", pollMs: 1000, settleMs: 50 });
    expect(validate({ camera: "main", moveTo: "done", serialFrom: "trigger" })).toBe(true);
    expect(validate({})).toBe(false);
    expect(validate({ camera: "main", serialFrom: "exif" })).toBe(false);
    expect(existsSync(new URL("README.zh-CN.md", import.meta.url))).toBe(true);
  });
});
