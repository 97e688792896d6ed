import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fixedPort, spawnListening } from "./ports";

const REPO_ROOT = resolve(import.meta.dirname, "../..");
/** The one site config, as compose mounts it (nginx/templates/). */
export const NGINX_TEMPLATE = join(REPO_ROOT, "nginx/templates/default.conf.template");
/** Debian's nginx (package nginx-light). */
export const NGINX_BIN = "/usr/sbin/nginx";

/**
 * The variables nginx/entrypoint/15-engunity-env.envsh derives in the nginx image,
 * derived the same way: the upload body limit is MAX_UPLOAD_SIZE_MB (whole MiB) + 1 MiB.
 */
export function nginxDerivedVars(env: { MAX_UPLOAD_SIZE_MB?: string }): Record<string, string> {
  const mb = Math.trunc(Number(env.MAX_UPLOAD_SIZE_MB ?? "10"));
  return { NGINX_MAX_BODY_SIZE: `${mb + 1}m` };
}

/**
 * Renders the template as the image's envsubst step does for the variables it is given:
 * `${NAME}` with an upper-case NAME is replaced; one left unset is an error here (the
 * image would leave it and nginx would refuse the file).
 */
export function renderNginxTemplate(vars: Record<string, string>, template = NGINX_TEMPLATE) {
  const text = readFileSync(template, "utf8");
  const missing = new Set<string>();
  const out = text.replace(/\$\{([A-Z][A-Z0-9_]*)\}/g, (_m, name: string) => {
    const value = vars[name];
    if (value === undefined) missing.add(name);
    return value ?? "";
  });
  if (missing.size) throw new Error(`nginx template needs ${[...missing].join(", ")}`);
  return out;
}

export interface NginxOptions {
  /** Ports of the realtime nodes on 127.0.0.1. */
  realtimePorts: number[];
  /** The web build to serve (a directory with assets/). */
  webRoot: string;
  /** Overrides of the template's variables. */
  vars?: Record<string, string>;
}

export interface RunningNginx {
  port: number;
  url: string;
  /** The rendered site config. */
  site: string;
  logs: string[];
  stop(): Promise<void>;
}

/** The main file the image's nginx.conf stands for, with every path inside `dir`. */
function mainConf(dir: string): string {
  const tmp = (name: string) => join(dir, "tmp", name);
  return `${process.getuid?.() === 0 ? "user root root;\n" : ""}worker_processes 1;
pid ${join(dir, "nginx.pid")};
error_log stderr warn;
events { worker_connections 4096; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log off;
  client_body_temp_path ${tmp("body")};
  proxy_temp_path ${tmp("proxy")};
  fastcgi_temp_path ${tmp("fastcgi")};
  uwsgi_temp_path ${tmp("uwsgi")};
  scgi_temp_path ${tmp("scgi")};
  include ${join(dir, "default.conf")};
}
`;
}

/**
 * Debian's nginx as a child process with the project's template rendered to loopback
 * ports: `-p <tmpdir> -c <conf> -g 'daemon off;'`, pid, logs and temp files in the tmpdir.
 */
export async function startNginx(opts: NginxOptions): Promise<RunningNginx> {
  const dir = mkdtempSync(join(tmpdir(), "engunity-nginx-"));
  mkdirSync(join(dir, "tmp"));
  const port = await fixedPort();
  const vars = {
    NGINX_LISTEN: `127.0.0.1:${port}`,
    NGINX_REALTIME_SERVERS: opts.realtimePorts
      .map((p) => `server 127.0.0.1:${p} max_fails=1 fail_timeout=2s;`)
      .join("\n  "),
    NGINX_WEB_ROOT: opts.webRoot,
    NGINX_AUTH_RATE: "50r/s",
    NGINX_AUTH_BURST: "50",
    // Loopback addresses need no resolving; the directive must still be filled in.
    NGINX_RESOLVER: "127.0.0.1 valid=5s",
    ...nginxDerivedVars({}),
    ...opts.vars,
  };
  const site = renderNginxTemplate(vars);
  writeFileSync(join(dir, "default.conf"), site);
  const conf = join(dir, "nginx.conf");
  writeFileSync(conf, mainConf(dir));
  const { child, logs, exited } = await spawnListening(
    "nginx",
    NGINX_BIN,
    ["-p", dir, "-c", conf, "-g", "daemon off;"],
    port,
    () => rmSync(dir, { recursive: true, force: true }),
  );
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    site,
    logs,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGQUIT");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `nginx -t` on a rendered site inside a scratch prefix: the config parses and is valid. */
export function nginxConfigTest(site: string): Promise<{ ok: boolean; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), "engunity-nginx-t-"));
  mkdirSync(join(dir, "tmp"));
  writeFileSync(join(dir, "default.conf"), site);
  writeFileSync(join(dir, "nginx.conf"), mainConf(dir));
  return new Promise((resolvePromise) => {
    const child = spawn(NGINX_BIN, ["-t", "-p", dir, "-c", join(dir, "nginx.conf")], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => {
      output += d;
    });
    child.stderr.on("data", (d) => {
      output += d;
    });
    child.once("exit", (code) => {
      rmSync(dir, { recursive: true, force: true });
      resolvePromise({ ok: code === 0, output });
    });
  });
}
