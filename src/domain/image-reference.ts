import { ImageReferenceError } from '../errors.js';

/** An image in an Amazon ECR private registry. `registryId`/`region` are absent when a user query named only the repository. */
export interface EcrImageReference {
  readonly kind: 'ecr';
  readonly registryId?: string;
  readonly region?: string;
  readonly repositoryName: string;
  /** Absent when the reference names only a digest. */
  readonly tag?: string;
  /** When present it wins over the tag: that is what Docker and ECS pull. */
  readonly digest?: string;
}

/** An image outside ECR private registries (Docker Hub, public.ecr.aws, ghcr.io, …): recognised and ignored. */
export interface ExternalImageReference {
  readonly kind: 'external';
  readonly registry: string;
  readonly repositoryName: string;
  readonly tag?: string;
  readonly digest?: string;
}

export type ImageReference = EcrImageReference | ExternalImageReference;

/**
 * `container`: a task definition, task or Lambda image — a name without a registry is a Docker Hub image.
 * `query`: what a user typed — a name without a registry is a repository of the ledger's own account.
 */
export type ReferenceContext = 'container' | 'query';

const ECR_HOST =
  /^(\d{12})\.(?:dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.(?:amazonaws\.com(?:\.cn)?|c2s\.ic\.gov|sc2s\.sgov\.gov|cloud\.adc-e\.uk|csp\.hci\.ic\.gov)|dkr-ecr(?:-fips)?\.([a-z0-9-]+)\.on\.aws)$/;
const REPOSITORY_NAME = /^(?:[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*\/)*[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const SHA256_DIGEST = /^sha256:[a-f0-9]{64}$/;
const OTHER_DIGEST = /^(?!sha256:)[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;

function fail(input: string, why: string): never {
  throw new ImageReferenceError(`invalid image reference "${input}": ${why}`);
}

/** True for a well-formed digest (`sha256:` + 64 lowercase hex, or another algorithm's digest). */
export function isDigest(text: string): boolean {
  return SHA256_DIGEST.test(text) || OTHER_DIGEST.test(text);
}

function splitDigest(input: string): { name: string; digest?: string } {
  const at = input.indexOf('@');
  if (at < 0) return { name: input };
  const digest = input.slice(at + 1);
  if (digest.includes('@')) fail(input, 'more than one "@"');
  if (!isDigest(digest)) fail(input, `"${digest}" is not a digest (expected sha256: followed by 64 lowercase hex digits)`);
  return { name: input.slice(0, at), digest };
}

function splitRegistry(name: string): { registry?: string; path: string } {
  const slash = name.indexOf('/');
  if (slash < 0) return { path: name };
  const first = name.slice(0, slash);
  const looksLikeHost = first.includes('.') || first.includes(':') || first === 'localhost';
  return looksLikeHost ? { registry: first.toLowerCase(), path: name.slice(slash + 1) } : { path: name };
}

function splitTag(input: string, path: string): { repositoryName: string; tag?: string } {
  const colon = path.lastIndexOf(':');
  if (colon < 0) return { repositoryName: path };
  const tag = path.slice(colon + 1);
  if (tag === '') fail(input, 'empty tag after ":"');
  if (!TAG.test(tag)) fail(input, `"${tag}" is not a valid tag (letters, digits, "_", "." and "-", at most 128, not starting with "." or "-")`);
  return { repositoryName: path.slice(0, colon), tag };
}

/** Parses every spelling of an image reference found in task definitions, Lambda functions and user queries. */
export function parseImageReference(input: string, context: ReferenceContext): ImageReference {
  if (input === '') fail(input, 'it is empty');
  if (/\s/.test(input)) fail(input, 'it contains white space');
  const { name, digest } = splitDigest(input);
  if (name === '') fail(input, 'no repository name before "@"');
  const { registry, path } = splitRegistry(name);
  const { repositoryName, tag: namedTag } = splitTag(input, path);
  if (repositoryName === '') fail(input, 'no repository name');
  if (!REPOSITORY_NAME.test(repositoryName)) {
    fail(input, `"${repositoryName}" is not a valid repository name (lowercase letters, digits, ".", "_", "-" and "/" between components)`);
  }
  const tag = namedTag ?? (digest ? undefined : 'latest');
  const pointer = { ...(tag !== undefined && { tag }), ...(digest !== undefined && { digest }) };

  if (registry !== undefined) {
    const ecr = ECR_HOST.exec(registry);
    if (ecr) {
      return { kind: 'ecr', registryId: ecr[1]!, region: (ecr[2] ?? ecr[3])!, repositoryName, ...pointer };
    }
    return { kind: 'external', registry, repositoryName, ...pointer };
  }
  if (context === 'query') return { kind: 'ecr', repositoryName, ...pointer };
  const dockerHubName = repositoryName.includes('/') ? repositoryName : `library/${repositoryName}`;
  return { kind: 'external', registry: 'docker.io', repositoryName: dockerHubName, ...pointer };
}

/** The registry host of an account's private ECR registry in a region. */
export function registryHost(registryId: string, region: string): string {
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `${registryId}.dkr.ecr.${region}.${suffix}`;
}

/** The full URI of an image by digest: `ACCOUNT.dkr.ecr.REGION.amazonaws.com/repo@sha256:…`. */
export function imageUri(registryId: string, region: string, repositoryName: string, digest: string): string {
  return `${registryHost(registryId, region)}/${repositoryName}@${digest}`;
}

/** A short human spelling of an image reference, for messages. */
export function formatImageReference(ref: ImageReference): string {
  const host = ref.kind === 'ecr' ? (ref.registryId && ref.region ? `${registryHost(ref.registryId, ref.region)}/` : '') : `${ref.registry}/`;
  return `${host}${ref.repositoryName}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}
