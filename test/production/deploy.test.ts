import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadConfig } from "@engunity/core";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { Job } from "kubernetes-models/batch/v1/Job";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { z } from "zod";
import {
  NGINX_TEMPLATE,
  nginxConfigTest,
  nginxDerivedVars,
  renderNginxTemplate,
} from "../support/nginx";

const ROOT = resolve(import.meta.dirname, "../..");
const read = (p: string) => readFileSync(join(ROOT, p), "utf8");
/** Metric names the code registers: an autoscaler on any other name would never scale. */
const METRICS = `${read("realtime/src/metrics.ts")}${read("workers/src/metrics.ts")}`;

/** Compose's `${VAR:-default}` / `${VAR:?error}` / `${VAR}`, with .env supplying `given`. */
function interpolate(value: unknown, given: Record<string, string>): unknown {
  if (typeof value === "string")
    return value
      .replace(
        /\$\{([A-Z0-9_]+)(?::?([-?])([^}]*))?\}/g,
        (_m, name: string, op?: string, arg?: string) => {
          const v = given[name];
          if (v !== undefined && v !== "") return v;
          if (op === "?") throw new Error(`compose needs ${name}: ${arg}`);
          return op === "-" ? (arg ?? "") : "";
        },
      )
      .replace(/\$\$/g, "$");
  if (Array.isArray(value)) return value.map((v) => interpolate(v, given));
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, given)]));
  return value;
}

const healthcheck = z.object({ test: z.array(z.string()).min(2) });
const dependsOn = z.record(
  z.string(),
  z.object({
    condition: z.enum(["service_healthy", "service_completed_successfully", "service_started"]),
  }),
);
/** The parts of the Compose specification this layout relies on. */
const composeSchema = z.object({
  services: z.object({
    postgres: z.object({
      image: z.string().regex(/^postgres:15/),
      healthcheck,
      volumes: z.array(z.string()).min(1),
    }),
    redis: z.object({
      image: z.string().regex(/^redis:7/),
      command: z.array(z.string()),
      healthcheck,
      volumes: z.array(z.string()).min(1),
    }),
    migrate: z.object({
      restart: z.literal("no"),
      command: z.array(z.string()),
      depends_on: dependsOn,
    }),
    realtime: z.object({
      environment: z.record(z.string(), z.string()),
      depends_on: dependsOn,
      deploy: z.object({ replicas: z.union([z.string(), z.number()]) }),
    }),
    worker: z.object({ environment: z.record(z.string(), z.string()), depends_on: dependsOn }),
    nginx: z.object({
      image: z.string().regex(/^nginx:/),
      environment: z.record(z.string(), z.string()),
      volumes: z.array(z.string()),
      healthcheck,
      depends_on: dependsOn,
    }),
  }),
  volumes: z.record(z.string(), z.unknown()),
});

describe("docker-compose.yml", () => {
  const env = { SECRET_KEY: randomBytes(32).toString("hex"), POSTGRES_PASSWORD: "pw" };
  const compose = composeSchema.parse(
    interpolate(parse(read("docker-compose.yml"), { merge: true }), env),
  );
  const { services } = compose;

  it("is a valid Compose file (docker compose config where the plugin exists, the schema check always)", () => {
    let plugin = false;
    try {
      execFileSync("docker", ["compose", "version"], { stdio: "ignore" });
      plugin = true;
    } catch {}
    if (plugin)
      execFileSync("docker", ["compose", "-f", join(ROOT, "docker-compose.yml"), "config", "-q"], {
        env: { ...process.env, ...env },
      });
    // A required secret left out stops `up` with a clear line.
    expect(() => interpolate(parse(read("docker-compose.yml"), { merge: true }), {})).toThrow(
      /SECRET_KEY|POSTGRES_PASSWORD/,
    );
    // Every named volume a service mounts is declared.
    const mounts = Object.values(services).flatMap((s) =>
      "volumes" in s ? (s.volumes as string[]) : [],
    );
    for (const volume of mounts) {
      const name = volume.split(":")[0] ?? "";
      if (!name.startsWith(".")) expect(compose.volumes, volume).toHaveProperty(name);
    }
  });

  it("runs Redis without eviction and with AOF, migrates once before any node starts", () => {
    const cmd = services.redis.command.join(" ");
    expect(cmd).toContain("--maxmemory-policy noeviction");
    expect(cmd).toContain("--appendonly yes");
    expect(services.migrate.command.join(" ")).toContain("scripts/migrate.ts");
    expect(services.migrate.depends_on.postgres?.condition).toBe("service_healthy");
    for (const role of [services.realtime, services.worker]) {
      expect(role.depends_on).toMatchObject({
        postgres: { condition: "service_healthy" },
        redis: { condition: "service_healthy" },
        migrate: { condition: "service_completed_successfully" },
      });
    }
    expect(services.nginx.depends_on.realtime?.condition).toBe("service_healthy");
  });

  it("keeps realtime and workers scalable (--scale): no fixed names or host ports", () => {
    const raw = parse(read("docker-compose.yml"), { merge: true }).services;
    for (const name of ["realtime", "worker"]) {
      expect(raw[name].container_name, name).toBeUndefined();
      expect(raw[name].ports, name).toBeUndefined();
    }
  });

  it("gives every role a configuration the app accepts", () => {
    for (const [role, s] of [
      ["realtime", services.realtime],
      ["worker", services.worker],
    ] as const) {
      const config = loadConfig(s.environment);
      expect(config.ROLE).toBe(role);
      expect(config.mode).toBe("scaled");
    }
  });

  it("renders the one nginx template from the nginx service's environment, and nginx accepts it", async () => {
    const vars = { ...services.nginx.environment, ...nginxDerivedVars(services.nginx.environment) };
    expect(vars.NGINX_MAX_BODY_SIZE).toBe("11m");
    const site = renderNginxTemplate(vars);
    expect(
      services.nginx.volumes.some((v) => v.startsWith("./nginx/templates:/etc/nginx/templates")),
    ).toBe(true);
    // Compose's upstream is a service name nginx resolves at start; -t here resolves loopback.
    const local = renderNginxTemplate({
      ...vars,
      NGINX_REALTIME_SERVERS: "server 127.0.0.1:3000;",
      NGINX_LISTEN: "127.0.0.1:8080",
    });
    const tested = await nginxConfigTest(local);
    expect(tested.output).toContain("syntax is ok");
    expect(tested.ok).toBe(true);
    // Replicas added by --scale are found without a reload: `resolve` (nginx >= 1.27.3,
    // which Debian's nginx here is not, so -t above ran on loopback servers), its zones,
    // and a resolver pointing at Docker's DNS.
    expect(site).toContain("server realtime:3000 resolve");
    expect(site).toMatch(/upstream engunity_realtime \{\s+zone /);
    expect(site).toMatch(/upstream engunity_realtime_sticky \{\s+zone /);
    expect(site).toContain("resolver 127.0.0.11 valid=5s");
    const [major, minor] = services.nginx.image
      .replace(/^nginx:/, "")
      .split(".")
      .map(Number);
    expect(major! * 1000 + minor!).toBeGreaterThanOrEqual(1027);
    // The image's entrypoint sources the .envsh that derives NGINX_MAX_BODY_SIZE.
    expect(statSync(join(ROOT, "nginx/entrypoint/15-engunity-env.envsh")).mode & 0o111).not.toBe(0);
    expect(readFileSync(NGINX_TEMPLATE, "utf8")).toContain(["$", "{NGINX_MAX_BODY_SIZE}"].join(""));
  });
});

describe("Dockerfile", () => {
  const text = read("Dockerfile");
  const stages = text.split(/^FROM /m).slice(1);

  it("builds natively in a build stage and runs a slim, non-root runtime with a healthcheck", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const [build, runtime] = [stages[0]!, stages[stages.length - 1]!];
    for (const pkg of ["g++", "libfaiss-dev", "libopenblas-dev", "liblapack-dev", "patchelf"])
      expect(build).toContain(pkg);
    expect(build).toContain("npm prune --omit=dev");
    expect(runtime).not.toMatch(/g\+\+|-dev\b/);
    expect(runtime).toContain("COPY --from=build");
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/^HEALTHCHECK .*\n?.*scripts\/healthcheck\.mjs/m);
    // Node is PID 1's child of nothing: SIGTERM reaches it and it drains.
    expect(runtime).toMatch(/^CMD \["node",/m);
  });
});

const probe = z.object({
  httpGet: z.object({ path: z.string(), port: z.union([z.string(), z.number()]) }),
});

describe("deploy/kubernetes", () => {
  const dir = join(ROOT, "deploy/kubernetes");
  const docs = readdirSync(dir)
    .filter((f) => f.endsWith(".yaml") && f !== "kustomization.yaml")
    .flatMap((f) =>
      parseAllDocuments(readFileSync(join(dir, f), "utf8")).map((d) => ({
        file: f,
        doc: d.toJS(),
      })),
    );
  const of = (kind: string) => docs.filter((d) => d.doc.kind === kind).map((d) => d.doc);
  const models: Record<string, new (d: never) => { validate(): void }> = {
    Deployment,
    Service,
    HorizontalPodAutoscaler,
    Job,
    ConfigMap,
    Secret,
  };

  it("validates every manifest against the Kubernetes API schemas", () => {
    expect(docs.length).toBeGreaterThan(8);
    for (const { file, doc } of docs) {
      const Model = models[doc.kind];
      expect(Model, `${file}: ${doc.kind}`).toBeDefined();
      expect(
        () => new Model!(doc as never).validate(),
        `${file}: ${doc.kind} ${doc.metadata?.name}`,
      ).not.toThrow();
    }
    const kustomization = parse(readFileSync(join(dir, "kustomization.yaml"), "utf8"));
    for (const r of kustomization.resources as string[]) expect(readdirSync(dir)).toContain(r);
  });

  it("wires one Deployment per role, Services to pods, HPAs to deployments and to metrics the code exports", () => {
    const deployments = of("Deployment");
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual([
      "engunity-nginx",
      "engunity-realtime",
      "engunity-worker",
    ]);
    for (const d of deployments)
      expect(d.spec.template.metadata.labels).toMatchObject(d.spec.selector.matchLabels);
    for (const s of of("Service")) {
      const target = deployments.find((d) =>
        Object.entries(s.spec.selector).every(([k, v]) => d.spec.template.metadata.labels[k] === v),
      );
      expect(target, s.metadata.name).toBeDefined();
      const ports = target!.spec.template.spec.containers.flatMap(
        (c: { ports: { name: string }[] }) => c.ports.map((p) => p.name),
      );
      for (const p of s.spec.ports) expect(ports).toContain(p.targetPort);
    }
    const hpas = of("HorizontalPodAutoscaler");
    expect(hpas.map((h) => h.spec.scaleTargetRef.name).sort()).toEqual([
      "engunity-realtime",
      "engunity-worker",
    ]);
    for (const h of hpas) {
      expect(deployments.map((d) => d.metadata.name)).toContain(h.spec.scaleTargetRef.name);
      for (const m of h.spec.metrics) {
        const name = m.pods?.metric.name ?? m.external?.metric.name;
        if (name) expect(METRICS, name).toContain(`"${name}"`);
      }
    }
  });

  it("probes readiness and liveness separately and gives shutdown its grace period", () => {
    const config = of("ConfigMap").find((c) => c.metadata.name === "engunity-config")!;
    const secret = of("Secret")[0]!;
    const grace = Number(config.data.SHUTDOWN_GRACE_MS);
    const paths = {
      "engunity-realtime": ["/api/v1/health/ready", "/api/v1/health/live"],
      "engunity-worker": ["/health/ready", "/health/live"],
    };
    for (const [name, [ready, live]] of Object.entries(paths)) {
      const d = of("Deployment").find((x) => x.metadata.name === name)!;
      const pod = d.spec.template.spec;
      const c = pod.containers[0];
      expect(probe.parse(c.readinessProbe).httpGet.path).toBe(ready);
      expect(probe.parse(c.livenessProbe).httpGet.path).toBe(live);
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      const preStop = Number(c.lifecycle?.preStop?.exec?.command?.[1] ?? 0);
      expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(
        grace + preStop * 1000 + 5000,
      );
      const env = Object.fromEntries(
        c.env.map((e: { name: string; value: string }) => [e.name, e.value]),
      );
      expect(loadConfig({ ...config.data, ...secret.stringData, ...env }).ROLE).toBe(env.ROLE);
    }
  });
});
