/**
 * `stockade server <enforcement point>`: long-running enforcement adapters that answer
 * the same rules and policy as `stockade config`.
 *
 *   stockade server admission     Kubernetes validating (and defaulting) admission webhook
 *   stockade server docker-authz  Docker authorization plugin (unix socket)
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import pino from 'pino';
import { StockadeError } from '../../core/errors.js';
import { AdmissionApp } from '../../enforce/admission/app.js';
import { printAdmissionManifests, DEFAULT_IMAGE, DEFAULT_MANIFEST_NAMESPACE } from '../../enforce/admission/manifests.js';
import { parseListen, startAdmissionServer } from '../../enforce/admission/server.js';
import { parseSize } from '../options.js';
import { dockerAuthzCommand } from '../../enforce/docker-authz/command.js';
import { loadProjectConfig } from '../../config/project-config.js';
import { RegistryClient } from '../../registry/client.js';
import { registryTrustFactsProvider, trustNeedsRegistryFacts } from '../../trust/registry-facts.js';
import { registryOptions } from '../verify-image.js';
import { celAdmissionHook } from '../policies.js';
import { scanVerdictHook } from '../../enforce/admission/scan-verdicts.js';
import { defaultCacheDir } from '../../image/layer-cache.js';

function parseSeconds(text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0 || n > 86_400) throw new InvalidArgumentError('expected seconds (0-86400)');
  return n;
}

interface AdmissionOptions {
  listen: string;
  cacheDir: string;
  policy?: string[];
  tlsCert?: string;
  tlsKey?: string;
  pssConfig?: string;
  config?: string;
  namespaceLabels?: string;
  enableMutation?: boolean;
  pssTemplates: 'deny' | 'warn';
  onError: 'deny' | 'allow';
  maxBodySize: number;
  reloadEvery: number;
  shutdownDelay: number;
  logLevel: string;
  printManifests?: boolean;
  namespace: string;
  image: string;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function admissionCommand(): Command {
  return new Command('admission')
    .description('Kubernetes admission webhook over HTTPS: POST /validate (AdmissionReview v1), /mutate (with --enable-mutation), /healthz, /readyz, /metrics')
    .option('--listen <host:port>', 'address to serve HTTPS on (HOST:PORT, [IPv6]:PORT or :PORT)', '0.0.0.0:8443')
    .option('--tls-cert <file>', 'PEM certificate chain for the serving certificate (re-read on SIGHUP)')
    .option('--tls-key <file>', 'PEM private key of the serving certificate')
    .option('--pss-config <file>', 'PodSecurityConfiguration (pod-security.admission.config.k8s.io/v1): default levels/versions and exemptions, as the PodSecurity plugin reads it')
    .option('--config <file>', 'stockade.yaml: trust policy and enforcement modes/exceptions (default: ./stockade.yaml when present)')
    .option('--cache-dir <dir>', 'where `stockade image` left its scan verdicts (used with enforcement.scanVerdicts)', defaultCacheDir())
    .option('--policy <path>', 'ValidatingAdmissionPolicy files or directories (policies, bindings, params) to enforce with CEL; repeatable', (v: string, prev: string[] = []) => [...prev, v])
    .option('--namespace-labels <file>', 'namespace -> labels (a mapping, or `kubectl get namespaces -o yaml`): the webhook never calls the API server')
    .option('--enable-mutation', 'serve /mutate: add seccompProfile RuntimeDefault and allowPrivilegeEscalation false where absent (JSONPatch, CREATE only)')
    .addOption(new Option('--pss-templates <mode>', 'a workload whose pod template fails the namespace enforce level: deny it, or warn as the PodSecurity plugin does (its pods are refused when created)').choices(['deny', 'warn']).default('deny'))
    .addOption(new Option('--on-error <mode>', 'when a rule, hook or lookup fails: deny the request (fail closed) or allow it with a warning').choices(['deny', 'allow']).default('deny'))
    .option('--max-body-size <size>', 'largest AdmissionReview accepted (e.g. 4MiB)', parseSize, 4 * 1024 * 1024)
    .option('--reload-every <seconds>', 're-read settings, namespace labels and the TLS certificate this often (0: only on SIGHUP)', parseSeconds, 0)
    .option('--shutdown-delay <seconds>', 'on SIGTERM, report not ready and keep serving this long before closing', parseSeconds, 5)
    .addOption(new Option('--log-level <level>', 'JSON log level (one line per decision at info)').choices(['debug', 'info', 'warn', 'error', 'silent']).default('info'))
    .option('--print-manifests', 'print the Kubernetes manifests to install the webhook (multi-document YAML) and exit')
    .option('--namespace <ns>', 'namespace for --print-manifests', DEFAULT_MANIFEST_NAMESPACE)
    .option('--image <image>', 'image for --print-manifests', DEFAULT_IMAGE)
    .addHelpText(
      'after',
      `
Pod Security: each namespace's level comes from its pod-security.kubernetes.io/{enforce,audit,warn}[-version]
labels (from --namespace-labels, and from Namespace objects this webhook admits), else from --pss-config
defaults, exactly as the PodSecurity admission plugin resolves them. enforce failures are refused, audit
failures become audit annotations, warn failures become warnings. PSS checks follow these levels, not
stockade.yaml enforcement modes (only enforcement exceptions lift them). Other rules (hardening, RBAC,
trust policy) take their mode from stockade.yaml enforcement (default: CRITICAL/HIGH deny, MEDIUM warn,
LOW audit). Dry runs are judged like real requests and have no side effects.

Signals: SIGHUP re-reads --config, --pss-config, --namespace-labels and the TLS files (a broken file is
logged and the running settings kept). SIGTERM drains and exits.

Examples:
  $ stockade server admission --listen :8443 --tls-cert tls.crt --tls-key tls.key --pss-config pss.yaml --namespace-labels ns.yaml
  $ stockade server admission --print-manifests --namespace stockade-system | kubectl apply -f -`,
    )
    .action(async (opts: AdmissionOptions) => {
      if (opts.printManifests) {
        if (!DNS_LABEL.test(opts.namespace)) throw new StockadeError('usage', opts.namespace, 'not a valid namespace name');
        if (opts.image.trim() === '') throw new StockadeError('usage', '--image', 'empty image');
        process.stdout.write(printAdmissionManifests({ namespace: opts.namespace, image: opts.image, enableMutation: opts.enableMutation === true }));
        return;
      }
      if (!opts.tlsCert || !opts.tlsKey) throw new StockadeError('usage', 'server admission', '--tls-cert and --tls-key are required (the API server only calls webhooks over HTTPS)');
      const { host, port } = parseListen(opts.listen);
      const logger = pino({ level: opts.logLevel, base: { component: 'stockade-admission' } });
      const files: { pssConfig?: string; config?: string; namespaceLabels?: string } = {};
      if (opts.pssConfig) files.pssConfig = opts.pssConfig;
      if (opts.config) files.config = opts.config;
      if (opts.namespaceLabels) files.namespaceLabels = opts.namespaceLabels;
      // Image age and signatures come from registries, verified once per digest.
      const project = await loadProjectConfig(opts.config);
      const trustFacts = trustNeedsRegistryFacts(project) ? registryTrustFactsProvider(project, new RegistryClient(registryOptions({}, project))) : undefined;
      // CEL: ValidatingAdmissionPolicies (--policy) and stockade.yaml `policies`, as `stockade config` runs them.
      const cel = await celAdmissionHook(opts.policy ?? [], project);
      for (const problem of cel?.problems ?? []) logger.warn({ policy: problem }, 'policy problem');
      // Scan verdicts that `stockade image` left in the cache directory (enforcement.scanVerdicts).
      const verdicts = project.enforcement?.scanVerdicts;
      const hooks = [...(cel ? [cel.hook] : []), ...(verdicts ? [scanVerdictHook(opts.cacheDir, verdicts)] : [])];
      const app = new AdmissionApp({
        files,
        ...(trustFacts ? { trustFacts } : {}),
        ...(hooks.length > 0 ? { hooks } : {}),
        enableMutation: opts.enableMutation === true,
        templates: opts.pssTemplates,
        onError: opts.onError,
        limits: { maxBodyBytes: opts.maxBodySize },
        logger,
        processMetrics: true,
      });
      // Settings first: a broken file stops the start with the usual one-line error.
      await app.load();
      const server = await startAdmissionServer(app, { host, port, tls: { cert: opts.tlsCert, key: opts.tlsKey } });
      logger.info({ url: server.url, mutation: opts.enableMutation === true, pssTemplates: opts.pssTemplates, onError: opts.onError }, 'admission webhook listening');
      let reloading = false;
      const reload = async (why: string): Promise<void> => {
        if (reloading) return;
        reloading = true;
        try {
          const ok = await app.reload(why === 'SIGHUP' ? 'info' : 'debug');
          await server.reloadTls().catch((e: unknown) => logger.error({ err: (e as Error).message }, 'TLS reload failed; previous certificate kept'));
          if (ok) logger.debug({ why }, 'reloaded');
        } finally {
          reloading = false;
        }
      };
      process.on('SIGHUP', () => void reload('SIGHUP'));
      const interval = opts.reloadEvery > 0 ? setInterval(() => void reload('interval'), opts.reloadEvery * 1000) : undefined;
      interval?.unref();
      let stopping = false;
      const stop = (signal: string): void => {
        if (stopping) return;
        stopping = true;
        app.drain();
        logger.info({ signal, delaySeconds: opts.shutdownDelay }, 'draining');
        setTimeout(() => {
          if (interval) clearInterval(interval);
          setTimeout(() => process.exit(0), 10_000).unref(); // connections that never go idle
          void server.close().then(() => {
            logger.info('stopped');
            process.exit(0);
          });
        }, opts.shutdownDelay * 1000).unref();
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
      // Keep running: the server holds the event loop open.
    });
}

export function serverCommand(): Command {
  const server = new Command('server').description('run an enforcement point that applies the same rules and policy as `stockade config`');
  server.addCommand(admissionCommand());
  // Docker authorization plugin: the lead adds its subcommand here, e.g.
  server.addCommand(dockerAuthzCommand());
  return server;
}
