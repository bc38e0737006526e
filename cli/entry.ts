import { main } from "./dengta.ts";

process.exitCode = await main(process.argv.slice(2));
