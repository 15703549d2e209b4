/**
 * `stockade server admission --print-manifests`: everything a cluster admin applies with
 * one `kubectl apply -f`, as multi-document YAML:
 *
 *   Namespace (PSS restricted), ServiceAccount (no token: the webhook never calls the
 *   API), ConfigMap (stockade.yaml, PodSecurityConfiguration, namespace labels),
 *   Deployment (2 replicas spread over nodes, non-root, read-only root, no
 *   capabilities, seccomp RuntimeDefault, resources, probes), PodDisruptionBudget
 *   (minAvailable 1), Service, NetworkPolicy (HTTPS in, nothing out), cert-manager
 *   Issuers and Certificates for the serving certificate, and the
 *   ValidatingWebhookConfiguration (plus a MutatingWebhookConfiguration when mutation is
 *   enabled) whose caBundle cert-manager's CA injector fills in
 *   (`cert-manager.io/inject-ca-from`).
 *
 * The webhook configuration fails closed (failurePolicy Fail, timeoutSeconds 5) for pods,
 * workloads and RBAC, and leaves out kube-system and its own namespace (matchConditions,
 * Kubernetes 1.28+), so a cluster can always repair itself and the webhook's own pods can
 * start while it is down.
 */
import { stringify } from 'yaml';
import { TOOL_VERSION } from '../../core/version.js';

export interface ManifestOptions {
  namespace?: string;
  image?: string;
  enableMutation?: boolean;
}

export const DEFAULT_MANIFEST_NAMESPACE = 'stockade-system';
export const DEFAULT_IMAGE = `ghcr.io/stockade-dev/stockade:${TOOL_VERSION}`;
const NAME = 'stockade-admission';
const PORT = 8443;

const POD_SECURITY_CONFIG = `apiVersion: pod-security.admission.config.k8s.io/v1
kind: PodSecurityConfiguration
# Used for namespaces without pod-security.kubernetes.io labels. Start by auditing and
# warning at restricted; enforce per namespace with its labels, or here once ready.
defaults:
  enforce: privileged
  enforce-version: latest
  audit: restricted
  audit-version: latest
  warn: restricted
  warn-version: latest
exemptions:
  usernames: []
  runtimeClasses: []
  namespaces: [kube-system]
`;

const STOCKADE_YAML = `# stockade.yaml: trust (registries, digests, tags, signatures) and enforcement
# (deny/warn/audit/off per rule, severity or group; exceptions with expiry and reason).
# Example:
# trust:
#   registries: [registry.example.com]
# enforcement:
#   severities: {MEDIUM: warn, LOW: audit}
`;

const NAMESPACE_LABELS = `# namespace -> labels, as the webhook does not read them from the API server.
# Generate with: kubectl get namespaces -o yaml
# Example:
# team-a:
#   pod-security.kubernetes.io/enforce: restricted
#   pod-security.kubernetes.io/enforce-version: latest
`;

function header(ns: string, mutation: boolean): string {
  return `# Stockade admission webhook${mutation ? ' (validating and defaulting)' : ''}: kubectl apply -f <this file>
#
# Requires Kubernetes 1.28+ (matchConditions) and cert-manager (https://cert-manager.io)
# for the serving certificate: cert-manager issues it from a self-signed CA into the
# Secret ${NAME}-tls, and its CA injector copies the CA into the webhook configuration's
# caBundle (annotation cert-manager.io/inject-ca-from: ${ns}/${NAME}-tls). The webhook
# re-reads the certificate, its settings and the namespace labels every 30 s, so
# renewals and ConfigMap edits need no restart.
#
# Without cert-manager: create the Secret ${NAME}-tls (tls.crt, tls.key) for the DNS
# name ${NAME}.${ns}.svc yourself, drop the Issuer/Certificate documents, and set
# webhooks[].clientConfig.caBundle to the base64 of the issuing CA certificate.
`;
}

export function admissionManifests(options: ManifestOptions = {}): object[] {
  const ns = options.namespace ?? DEFAULT_MANIFEST_NAMESPACE;
  const image = options.image ?? DEFAULT_IMAGE;
  const mutation = options.enableMutation === true;
  const labels = { 'app.kubernetes.io/name': NAME, 'app.kubernetes.io/component': 'admission-webhook', 'app.kubernetes.io/part-of': 'stockade' };
  const selector = { 'app.kubernetes.io/name': NAME };
  const meta = (name: string, extra: Record<string, unknown> = {}) => ({ name, namespace: ns, labels, ...extra });
  const service = { name: NAME, namespace: ns, port: 443 };
  const exclusions = [
    { name: 'exclude-kube-system', expression: "request.namespace != 'kube-system'" },
    { name: `exclude-${ns}`, expression: `request.namespace != '${ns}'` },
  ];
  const podRules = [
    { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods', 'pods/ephemeralcontainers', 'replicationcontrollers', 'podtemplates'], scope: 'Namespaced' },
    { apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments', 'statefulsets', 'daemonsets', 'replicasets'], scope: 'Namespaced' },
    { apiGroups: ['batch'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['jobs', 'cronjobs'], scope: 'Namespaced' },
  ];
  const args = [
    'server', 'admission',
    '--listen', `:${PORT}`,
    '--tls-cert', '/tls/tls.crt',
    '--tls-key', '/tls/tls.key',
    '--config', '/config/stockade.yaml',
    '--pss-config', '/config/pod-security.yaml',
    '--namespace-labels', '/config/namespace-labels.yaml',
    '--reload-every', '30',
    ...(mutation ? ['--enable-mutation'] : []),
  ];
  const docs: object[] = [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: ns,
        labels: { ...labels, 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' },
      },
    },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(NAME), automountServiceAccountToken: false },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: meta(`${NAME}-config`),
      data: { 'stockade.yaml': STOCKADE_YAML, 'pod-security.yaml': POD_SECURITY_CONFIG, 'namespace-labels.yaml': NAMESPACE_LABELS },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta(NAME),
      spec: {
        replicas: 2,
        revisionHistoryLimit: 3,
        selector: { matchLabels: selector },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: NAME,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } },
            affinity: {
              podAntiAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { labelSelector: { matchLabels: selector }, topologyKey: 'kubernetes.io/hostname' } }],
              },
            },
            terminationGracePeriodSeconds: 30,
            containers: [
              {
                name: 'webhook',
                image,
                imagePullPolicy: 'IfNotPresent',
                args,
                ports: [{ name: 'https', containerPort: PORT, protocol: 'TCP' }],
                readinessProbe: { httpGet: { path: '/readyz', port: 'https', scheme: 'HTTPS' }, periodSeconds: 5, failureThreshold: 2 },
                livenessProbe: { httpGet: { path: '/healthz', port: 'https', scheme: 'HTTPS' }, periodSeconds: 10, failureThreshold: 3 },
                resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '256Mi' } },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  runAsNonRoot: true,
                  capabilities: { drop: ['ALL'] },
                  seccompProfile: { type: 'RuntimeDefault' },
                },
                volumeMounts: [
                  { name: 'tls', mountPath: '/tls', readOnly: true },
                  { name: 'config', mountPath: '/config', readOnly: true },
                ],
              },
            ],
            volumes: [
              { name: 'tls', secret: { secretName: `${NAME}-tls` } },
              { name: 'config', configMap: { name: `${NAME}-config` } },
            ],
          },
        },
      },
    },
    { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: meta(NAME), spec: { minAvailable: 1, selector: { matchLabels: selector } } },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(NAME),
      spec: { type: 'ClusterIP', selector, ports: [{ name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' }] },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: meta(NAME),
      spec: {
        podSelector: { matchLabels: selector },
        policyTypes: ['Ingress', 'Egress'],
        // The API server's address is cluster-specific: HTTPS is open to any source; nothing goes out.
        ingress: [{ ports: [{ port: PORT, protocol: 'TCP' }] }],
        egress: [],
      },
    },
    { apiVersion: 'cert-manager.io/v1', kind: 'Issuer', metadata: meta(`${NAME}-selfsigned`), spec: { selfSigned: {} } },
    {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: meta(`${NAME}-ca`),
      spec: {
        isCA: true,
        commonName: `${NAME}-ca`,
        secretName: `${NAME}-ca`,
        duration: '87600h',
        privateKey: { algorithm: 'ECDSA', size: 256 },
        issuerRef: { name: `${NAME}-selfsigned`, kind: 'Issuer', group: 'cert-manager.io' },
      },
    },
    { apiVersion: 'cert-manager.io/v1', kind: 'Issuer', metadata: meta(`${NAME}-ca`), spec: { ca: { secretName: `${NAME}-ca` } } },
    {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: meta(`${NAME}-tls`),
      spec: {
        secretName: `${NAME}-tls`,
        dnsNames: [`${NAME}.${ns}.svc`, `${NAME}.${ns}.svc.cluster.local`],
        duration: '2160h',
        renewBefore: '360h',
        privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
        usages: ['server auth', 'digital signature', 'key encipherment'],
        issuerRef: { name: `${NAME}-ca`, kind: 'Issuer', group: 'cert-manager.io' },
      },
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: NAME, labels, annotations: { 'cert-manager.io/inject-ca-from': `${ns}/${NAME}-tls` } },
      webhooks: [
        {
          name: 'workloads.admission.stockade.dev',
          admissionReviewVersions: ['v1'],
          sideEffects: 'None',
          failurePolicy: 'Fail',
          timeoutSeconds: 5,
          matchPolicy: 'Equivalent',
          clientConfig: { service: { ...service, path: '/validate' } },
          matchConditions: exclusions,
          rules: podRules,
        },
        {
          // RBAC objects by the per-document RBAC rules. The API server reconciles its bootstrap
          // roles and bindings (cluster-admin for system:masters...) as system:apiserver at start:
          // those are left alone so an upgrade never waits on this webhook.
          name: 'rbac.admission.stockade.dev',
          admissionReviewVersions: ['v1'],
          sideEffects: 'None',
          failurePolicy: 'Fail',
          timeoutSeconds: 5,
          matchPolicy: 'Equivalent',
          clientConfig: { service: { ...service, path: '/validate' } },
          matchConditions: [...exclusions, { name: 'exclude-bootstrap-policy', expression: "request.userInfo.username != 'system:apiserver'" }],
          rules: [{ apiGroups: ['rbac.authorization.k8s.io'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['roles', 'rolebindings', 'clusterroles', 'clusterrolebindings'], scope: '*' }],
        },
        {
          // Validates pod-security labels and teaches this replica a namespace's labels: a
          // dry run teaches nothing (NoneOnDryRun). Ignore: the API server's own PodSecurity
          // plugin validates these labels too, so namespaces stay manageable while we are down.
          name: 'namespaces.admission.stockade.dev',
          admissionReviewVersions: ['v1'],
          sideEffects: 'NoneOnDryRun',
          failurePolicy: 'Ignore',
          timeoutSeconds: 5,
          matchPolicy: 'Equivalent',
          clientConfig: { service: { ...service, path: '/validate' } },
          matchConditions: [
            { name: 'exclude-kube-system', expression: "request.name != 'kube-system'" },
            { name: `exclude-${ns}`, expression: `request.name != '${ns}'` },
          ],
          rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE', 'DELETE'], resources: ['namespaces'], scope: 'Cluster' }],
        },
      ],
    },
  ];
  if (mutation) {
    docs.push({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name: NAME, labels, annotations: { 'cert-manager.io/inject-ca-from': `${ns}/${NAME}-tls` } },
      webhooks: [
        {
          // Safe defaults only (seccomp RuntimeDefault, allowPrivilegeEscalation false) on CREATE;
          // Ignore: a missing default is caught by the validating webhook anyway.
          name: 'defaults.admission.stockade.dev',
          admissionReviewVersions: ['v1'],
          sideEffects: 'None',
          failurePolicy: 'Ignore',
          timeoutSeconds: 5,
          matchPolicy: 'Equivalent',
          reinvocationPolicy: 'IfNeeded',
          clientConfig: { service: { ...service, path: '/mutate' } },
          matchConditions: exclusions,
          rules: podRules.map((r) => ({ ...r, operations: ['CREATE'], resources: r.resources.filter((x) => x !== 'pods/ephemeralcontainers') })),
        },
      ],
    });
  }
  return docs;
}

export function printAdmissionManifests(options: ManifestOptions = {}): string {
  const ns = options.namespace ?? DEFAULT_MANIFEST_NAMESPACE;
  const body = admissionManifests(options)
    .map((doc) => stringify(doc, { lineWidth: 0 }))
    .join('---\n');
  return `${header(ns, options.enableMutation === true)}---\n${body}`;
}
