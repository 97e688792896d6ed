#!/usr/bin/env node
/**
 * Builds faiss-node's native addon against the host's FAISS during `npm install`
 * (root `postinstall`). faiss-node's own install script is disabled in package.json
 * `allowScripts`: it looks for a prebuilt binary on GitHub and then `git clone`s
 * FAISS, and neither is reachable from a machine that only sees the npm registry.
 *
 * Instead this compiles the package's sources (from its npm tarball) with cmake-js,
 * replacing its vendored `deps/faiss` by a shim that does `find_package(faiss)` on
 * Debian bookworm's `libfaiss-dev` (1.7.3: static libfaiss.a + CMake config; it links
 * BLAS/LAPACK from libopenblas-dev and liblapack-dev, and faiss-node's CMakeLists runs
 * patchelf). FAISS 1.7.3 declares `idx_t` inside `faiss::Index`, so the source's
 * `faiss::idx_t` is respelled where the headers lack the namespace-level alias.
 *
 * Never fails the install: without those packages it prints one line and exits 0,
 * and the app then searches vectors exactly in-process (workers/src/retrieval).
 * Plain Node (no tsx): it runs before anything else is guaranteed to work.
 *
 *   node scripts/build-faiss.mjs [--force]
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const force = process.argv.includes("--force");
const say = (line) => console.log(`faiss-node: ${line}`);
const HINT =
  "retrieval will use exact in-process search (for FAISS: apt-get install cmake g++ libfaiss-dev libopenblas-dev liblapack-dev patchelf, then npm install)";

/** Where a CMake config for FAISS may live (Debian multiarch, /usr/local builds). */
function findFaissConfig() {
  const multiarch = spawnSync("gcc", ["-dumpmachine"], { encoding: "utf8" }).stdout?.trim();
  const dirs = [
    multiarch && `/usr/lib/${multiarch}/cmake/faiss`,
    "/usr/lib/cmake/faiss",
    "/usr/local/lib/cmake/faiss",
    "/usr/share/faiss",
    "/usr/local/share/faiss",
  ].filter(Boolean);
  return dirs.find((d) => existsSync(join(d, "faiss-config.cmake")));
}

function resolveFrom(base, spec) {
  try {
    return dirname(createRequire(join(base, "package.json")).resolve(`${spec}/package.json`));
  } catch {
    return undefined;
  }
}

/**
 * faiss-node exposes no thread control, and OpenMP's default (one thread per core)
 * oversubscribes a small box that also runs the LLM. `OMP_NUM_THREADS` is read only
 * when libgomp first loads, which node-llama-cpp may already have done, so the addon
 * gets `setOmpThreads(n)` / `getOmpThreads()` (omp_set_num_threads sets the calling
 * thread's default, and every search runs on the JS thread).
 */
function addThreadControl(code) {
  const init = "Napi::Object Init(Napi::Env env, Napi::Object exports)\n{";
  if (!code.includes(init)) throw new Error("faiss.cc: Init() not where expected");
  const fns = [
    "#include <omp.h>",
    "#include <dlfcn.h>",
    "#include <faiss/utils/distances.h>",
    "static Napi::Value SetBlasThreshold(const Napi::CallbackInfo &info)",
    "{",
    "  if (info.Length() != 1 || !info[0].IsNumber() || info[0].As<Napi::Number>().Int32Value() < 1)",
    "  {",
    '    Napi::TypeError::New(info.Env(), "Expected a positive query count.").ThrowAsJavaScriptException();',
    "    return info.Env().Undefined();",
    "  }",
    "  faiss::distance_compute_blas_threshold = info[0].As<Napi::Number>().Int32Value();",
    "  return info.Env().Undefined();",
    "}",
    "static Napi::Value SetOmpThreads(const Napi::CallbackInfo &info)",
    "{",
    "  if (info.Length() != 1 || !info[0].IsNumber() || info[0].As<Napi::Number>().Int32Value() < 1)",
    "  {",
    '    Napi::TypeError::New(info.Env(), "Expected a positive thread count.").ThrowAsJavaScriptException();',
    "    return info.Env().Undefined();",
    "  }",
    "  int n = info[0].As<Napi::Number>().Int32Value();",
    "  omp_set_num_threads(n);",
    "  // OpenBLAS runs its own thread pool (one per core by default); set it too where it is the BLAS.",
    '  auto setBlas = reinterpret_cast<void (*)(int)>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));',
    "  if (setBlas) setBlas(n);",
    "  return info.Env().Undefined();",
    "}",
    "static Napi::Value GetOmpThreads(const Napi::CallbackInfo &info)",
    "{",
    "  return Napi::Number::New(info.Env(), omp_get_max_threads());",
    "}",
    "",
  ].join("\n");
  const exportsLines = [
    '  exports.Set("setOmpThreads", Napi::Function::New(env, SetOmpThreads));',
    '  exports.Set("getOmpThreads", Napi::Function::New(env, GetOmpThreads));',
    '  exports.Set("setBlasThreshold", Napi::Function::New(env, SetBlasThreshold));',
  ].join("\n");
  return code.replace(init, `${fns}${init}\n${exportsLines}`);
}

function main() {
  const pkgDir = resolveFrom(join(root, "workers"), "faiss-node");
  if (!pkgDir) return say(`not installed; ${HINT}`);
  const cmakeJs = resolveFrom(pkgDir, "cmake-js") ?? resolveFrom(root, "cmake-js");
  const addonApi = resolveFrom(pkgDir, "node-addon-api");
  const configDir = findFaissConfig();
  const hasCmake = spawnSync("cmake", ["--version"]).status === 0;
  const hasCxx = spawnSync("c++", ["--version"]).status === 0;
  if (!configDir || !hasCmake || !hasCxx || !cmakeJs || !addonApi) {
    const missing = [
      !configDir && "libfaiss-dev",
      !hasCmake && "cmake",
      !hasCxx && "a C++ compiler",
      !cmakeJs && "cmake-js",
      !addonApi && "node-addon-api",
    ].filter(Boolean);
    return say(`skipped (no ${missing.join(", ")}); ${HINT}`);
  }

  const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
  const self = readFileSync(fileURLToPath(import.meta.url));
  const stampOf = createHash("sha256")
    .update(`${pkg.version}\0${configDir}\0${process.version}\0`)
    .update(self)
    .digest("hex");
  const outDir = join(pkgDir, "build");
  const binary = join(outDir, "Release", "faiss-node.node");
  const stampFile = join(outDir, "engunity-build.stamp");
  if (
    !force &&
    existsSync(binary) &&
    existsSync(stampFile) &&
    readFileSync(stampFile, "utf8") === stampOf
  ) {
    return say(`up to date (${binary})`);
  }

  const started = Date.now();
  const stage = mkdtempSync(join(tmpdir(), "faiss-node-build-"));
  try {
    for (const entry of ["CMakeLists.txt", "package.json", "src"]) {
      cpSync(join(pkgDir, entry), join(stage, entry), { recursive: true });
    }
    // faiss-node's CMakeLists includes `${CMAKE_SOURCE_DIR}/node_modules/node-addon-api`.
    mkdirSync(join(stage, "node_modules"));
    symlinkSync(addonApi, join(stage, "node_modules", "node-addon-api"), "dir");

    const includeDir = join(configDir, "..", "..", "..", "include", "faiss");
    const altInclude = "/usr/include/faiss";
    const metricHeader = [includeDir, altInclude]
      .map((d) => join(d, "MetricType.h"))
      .find((f) => existsSync(f));
    const hasNamespaceIdx =
      metricHeader !== undefined && /using\s+idx_t\s*=/.test(readFileSync(metricHeader, "utf8"));
    const src = join(stage, "src", "faiss.cc");
    let code = readFileSync(src, "utf8");
    if (!hasNamespaceIdx) code = code.replaceAll("faiss::idx_t", "faiss::Index::idx_t");
    writeFileSync(src, addThreadControl(code));

    // The shim that stands in for the vendored FAISS sources. Imported targets are
    // directory-scoped, so both are promoted to global for the parent CMakeLists,
    // which links `faiss` and sets output directories on it.
    mkdirSync(join(stage, "deps", "faiss"), { recursive: true });
    writeFileSync(
      join(stage, "deps", "faiss", "CMakeLists.txt"),
      [
        "find_package(OpenMP REQUIRED)",
        `find_package(faiss REQUIRED CONFIG PATHS "${configDir}" NO_DEFAULT_PATH)`,
        "set_target_properties(faiss OpenMP::OpenMP_CXX PROPERTIES IMPORTED_GLOBAL TRUE)",
        "",
      ].join("\n"),
    );

    const jobs = String(Math.max(1, Math.min(availableParallelism(), 4)));
    const result = spawnSync(
      process.execPath,
      [
        join(cmakeJs, "bin", "cmake-js"),
        "compile",
        "--directory",
        stage,
        "--out",
        outDir,
        "--config",
        "Release",
        "--parallel",
        jobs,
        "--log-level",
        "warn",
      ],
      { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
    );
    if (result.status !== 0 || !existsSync(binary)) {
      const tail = `${result.stdout ?? ""}${result.stderr ?? ""}`.trim().split("\n").slice(-15);
      console.error(tail.join("\n"));
      return say(`build failed; ${HINT}`);
    }
    writeFileSync(stampFile, stampOf);
    say(`built against ${configDir} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

try {
  main();
} catch (err) {
  say(`build error (${err instanceof Error ? err.message : String(err)}); ${HINT}`);
}
