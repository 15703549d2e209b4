import type { ApiRule } from './api-rule.js';
import { tryParseImageReference } from '../../../registry/reference.js';
import { repositoryMatches } from '../../../trust/policy.js';
import { isSandboxRuntime } from '../settings.js';

export const sandboxRuntime: ApiRule = {
  id: 'SK-AUTHZ-0004',
  kind: 'docker-api',
  groups: ['authz'],
  title: 'Untrusted workload without a sandboxing runtime',
  severity: 'HIGH',
  description:
    'Containers share the host kernel (SP 800-190 section 3.5.2): one kernel bug is an escape. Images and users marked untrusted in the authz settings (`untrusted.images`, `untrusted.users`) must run under a runtime that puts a second kernel boundary in the way, gVisor (`runsc`) or Kata Containers, instead of the default runc.',
  remediation: 'Install gVisor or Kata Containers, register the runtime in daemon.json (`runtimes`), and run the container with `--runtime runsc` (or the Kata runtime name).',
  references: ['https://gvisor.dev/docs/user_guide/quick_start/docker/', 'https://github.com/kata-containers/kata-containers/tree/main/docs', 'https://docs.docker.com/reference/cli/dockerd/#configure-container-runtimes'],
  frameworks: ['nist-800-190:4.5.1', 'nist-800-190:4.6', 'stride:E'],
  check(call, context) {
    if (!call.container) return [];
    const untrusted = context.settings.untrusted;
    if (!untrusted) return [];
    const why: string[] = [];
    const image = call.container.image;
    if (image && untrusted.images) {
      const ref = tryParseImageReference(image);
      // An image named by ID or by an unparsable name cannot be shown to be trusted.
      if (!ref || repositoryMatches(ref, untrusted.images)) why.push(`image ${image} is untrusted`);
    }
    if (call.user !== undefined && untrusted.users?.includes(call.user)) why.push(`user ${call.user} is untrusted`);
    if (why.length === 0) return [];
    const runtime = call.container.runtime;
    if (runtime && isSandboxRuntime(runtime, context.settings)) return [];
    return [{ reason: `${why.join(' and ')}, but the container runs under ${runtime ? `runtime ${runtime}` : 'the default runtime'}, not a sandbox (runsc, kata)` }];
  },
};
