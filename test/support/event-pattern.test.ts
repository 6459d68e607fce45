import { describe, expect, it } from 'vitest';
import { matchesPattern } from './event-pattern.js';

const event = { source: 'aws.ecr', 'detail-type': 'ECR Image Action', detail: { result: 'SUCCESS', tags: ['a', 'b'], size: 5, name: 'DeleteFunction20150331' } };

describe('event-pattern matcher', () => {
  it.each([
    [{ source: ['aws.ecr'] }, true],
    [{ source: ['aws.ecs'] }, false],
    [{ source: ['aws.ecs', 'aws.ecr'], detail: { result: ['SUCCESS'] } }, true],
    [{ detail: { result: ['FAILURE'] } }, false],
    [{ detail: { missing: ['x'] } }, false],
    [{ detail: { name: [{ prefix: 'DeleteFunction' }] } }, true],
    [{ detail: { name: [{ suffix: '20150331' }] } }, true],
    [{ detail: { name: [{ 'equals-ignore-case': 'deletefunction20150331' }] } }, true],
    [{ detail: { name: [{ wildcard: 'Delete*2015*' }] } }, true],
    [{ detail: { name: [{ 'anything-but': ['DeleteFunction20150331'] }] } }, false],
    [{ detail: { name: [{ 'anything-but': { prefix: 'Create' } }] } }, true],
    [{ detail: { missing: [{ exists: false }] } }, true],
    [{ detail: { result: [{ exists: false }] } }, false],
    [{ detail: { size: [{ numeric: ['>', 1, '<=', 5] }] } }, true],
    [{ detail: { size: [{ numeric: ['>', 5] }] } }, false],
    [{ detail: { tags: ['b'] } }, true],
    [{ $or: [{ source: ['aws.ecs'] }, { detail: { result: ['SUCCESS'] } }] }, true],
    [{ detail: ['SUCCESS'] }, false],
  ])('%j → %s', (pattern, expected) => {
    expect(matchesPattern(event, pattern as never)).toBe(expected);
  });
});
