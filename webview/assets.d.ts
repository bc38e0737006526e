// Stylesheets are bundled by esbuild (scripts/build-webview.mjs) into main.css.
declare module "*.css";
