import { createHash } from 'node:crypto';
import type { RedisConnection, RedisReply } from './connect.js';

/**
 * The fleet's state changes, each one Lua script so that Redis applies it atomically (two agents can never both
 * claim a task, a lease is only renewed by its holder). Every script takes the key prefix as ARGV[1] and builds key
 * names as src/fleet/keys.ts documents; it reads the time from Redis (TIME), the one clock all hosts share. Keys are
 * built inside the scripts, so fleet mode needs a single Redis (not a Redis Cluster).
 */

const NOW = `local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/**
 * Redis runs a script atomically but does not roll it back: a command that fails part-way (a fleet key holding another
 * type, a command the Redis user's ACL refuses) leaves every write before it, half a state change (a task claimed with
 * no claim notice and no agent, stopped with no notice to the controller, re-queued by half). So every script that
 * writes more than once first checks each key it may touch, and each write it may send, and fails before its first
 * write: \`guard(types, commands)\` returns why it must (the caller answers with that error, having changed nothing), or
 * nil. \`types\`: key, type, key, type…, each key absent or of that type (\`wrongType\` checks these alone); \`commands\`:
 * each a command with the key it writes, which the user must be allowed (Redis 7.0's acl_check_cmd; before 7.0 a
 * server cannot be asked, and a script whose write the ACL refuses keeps what it wrote before: the writes come in the
 * order that leaves the least to repair).
 */
const GUARD = `local function wrongType(types)
  for i = 1, #types, 2 do
    local kind = redis.call('TYPE', types[i])
    kind = type(kind) == 'table' and kind.ok or kind
    if kind ~= 'none' and kind ~= types[i + 1] then
      return 'WRONGTYPE fleet key ' .. types[i] .. ' holds a ' .. kind .. ', not a ' .. types[i + 1]
    end
  end
  return nil
end
local function guard(types, commands)
  local wrong = wrongType(types)
  if wrong then return wrong .. ' (nothing was changed)' end
  if redis.acl_check_cmd then
    for _, c in ipairs(commands) do
      if not redis.acl_check_cmd(unpack(c)) then
        return 'NOPERM the Redis user may not run ' .. c[1] .. ' on ' .. c[2] .. ', which fleet mode needs (nothing was changed)'
      end
    end
  end
  return nil
end`;

/**
 * Moves a file's resume point (task hash key k) forward to \`frame\`, never back: within a count the newest checkpoint
 * wins, whoever reports it (the controller after each stored batch, a returning controller from its store, an agent
 * handing the task back with the last frame its worker reported) and in whatever order they reach Redis. \`state\`:
 * the worker's counting state after frame − 1 (JSON), or '' when the checkpoint has none. The frame and its state move
 * together: a state only replaces one of an earlier frame. A checkpoint without a state does not replace one with a
 * state: resuming from the state counts exactly as an uninterrupted run, re-reading the few seconds between the two
 * (agents send the controller a state every STATE_FORWARD_MS, timing.ts), where a resume without one warms up and may count differently.
 * \`mark\`: where in the counting order the state was taken (run-states.ts, markToWire), or ''; it moves with the state
 * and goes with the claim, so that the controller voids exactly what the next run counts again (FleetMarks.claim).
 */
const FORWARD = `local function setState(k, frame, state, mark)
  redis.call('HSET', k, 'start_frame', frame, 'start_state', state)
  if mark and mark ~= '' then redis.call('HSET', k, 'start_mark', mark) else redis.call('HDEL', k, 'start_mark') end
end
local function forward(k, frame, state, mark)
  frame = tonumber(frame)
  if not frame then return end
  local cur = tonumber(redis.call('HGET', k, 'start_frame') or '')
  local held = redis.call('HEXISTS', k, 'start_state') == 1
  if state and state ~= '' then
    if not cur or frame > cur or (frame == cur and not held) then setState(k, frame, state, mark) end
  elseif not held and (not cur or frame > cur) then
    redis.call('HSET', k, 'start_frame', frame)
    redis.call('HDEL', k, 'start_mark')
  end
end
-- A new count, or a changed spec: the resume point is set as given, back or forward.
local function setStart(k, frame, state, mark)
  if state and state ~= '' and frame ~= '' then setState(k, frame, state, mark) else
    redis.call('HSET', k, 'start_frame', frame)
    redis.call('HDEL', k, 'start_state', 'start_mark')
  end
end`;

/**
 * ARGV: prefix, id, kind, spec, start frame (a file's resume point, or ''), start state (its counting state, or ''),
 * start mark (where in the counting order the state was taken, or ''). New task → queued; same spec still active → kept (its resume point only moves forward: an agent may have handed it
 * back from a newer frame than the controller's store holds yet); changed spec → restarted. A task Redis lost (no
 * hash) whose lease an agent holds (re-asserted by its heartbeat, see HEARTBEAT) → adopted: running on that agent's
 * run, as before the loss, not queued for a second run.
 */
export const SUBMIT = `${NOW}
${GUARD}
${FORWARD}
local P, id, kind, spec = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local t, lease = P .. 'task:' .. id, P .. 'lease:' .. id
local bad = guard({P .. 'tasks', 'set', t, 'hash', lease, 'string', P .. 'running', 'set', P .. 'queue', 'zset'}, {
  {'SADD', P .. 'tasks', id}, {'HSET', t, 'spec', spec}, {'HDEL', t, 'start_mark'}, {'HSETNX', t, 'gen', '0'},
  {'HINCRBY', t, 'gen', '1'}, {'SADD', P .. 'running', id}, {'ZADD', P .. 'queue', '0', id}})
if bad then return redis.error_reply(bad) end
local state = redis.call('HGET', t, 'state')
local agent, run
if not state then agent, run = string.match(redis.call('GET', lease) or '', '^(.*)|([^|]*)$') end
redis.call('SADD', P .. 'tasks', id)
if agent then
  -- In the running set first: a task running on an agent that the reaper does not check would never be re-queued.
  redis.call('SADD', P .. 'running', id)
  redis.call('HSET', t, 'spec', spec, 'kind', kind, 'want', 'run', 'state', 'running', 'agent', agent, 'run', run, 'since', now, 'note', 'submitted again after Redis lost it; still on its agent', 'attempt', 0, 'gen', 0)
  setStart(t, ARGV[5], ARGV[6], ARGV[7])
  return 'adopted'
end
if state == 'queued' or state == 'running' then
  if redis.call('HGET', t, 'spec') == spec and redis.call('HGET', t, 'want') == 'run' then
    -- Where a change cut short (an older server's ACL refusing its last write) left a queued task out of the queue,
    -- or a running one out of the reaper's sight, it goes back.
    if state == 'queued' then redis.call('ZADD', P .. 'queue', 'NX', now, id) else redis.call('SADD', P .. 'running', id) end
    forward(t, ARGV[5], ARGV[6], ARGV[7])
    return 'kept'
  end
  -- The restart first, the new spec last: cut short in between, the next submission still finds the spec changed.
  if state == 'running' then redis.call('HINCRBY', t, 'gen', 1) end
  setStart(t, ARGV[5], ARGV[6], ARGV[7])
  redis.call('HSET', t, 'spec', spec, 'kind', kind, 'want', 'run', 'note', 'resubmitted with a changed spec')
  return 'updated'
end
redis.call('HSET', t, 'spec', spec, 'kind', kind, 'want', 'run', 'state', 'queued', 'agent', '', 'run', '', 'note', '', 'attempt', 0)
setStart(t, ARGV[5], ARGV[6], ARGV[7])
redis.call('HSETNX', t, 'gen', 0)
redis.call('ZADD', P .. 'queue', now, id)
return 'queued'`;

/** ARGV: prefix, id, command (start|stop|cancel|restart). Returns {result, message}. */
export const COMMAND = `
${GUARD}
local P, id, cmd = ARGV[1], ARGV[2], ARGV[3]
local t = P .. 'task:' .. id
local state = redis.call('HGET', t, 'state')
if not state then return {'unknown', 'no such task in the fleet'} end
-- A change of several writes is checked first (guard); a single write needs no check.
local function checked(commands)
  return guard({P .. 'queue', 'zset', P .. 'events', 'stream'}, commands)
end
local function emit(s, note) redis.call('XADD', P .. 'events', '*', 'k', 'state', 't', id, 's', s, 'note', note) end
local function final(s, note, answer)
  local bad = checked({{'ZREM', P .. 'queue', id}, {'HSET', t, 'state', s}, {'HDEL', t, 'start_state'}, {'XADD', P .. 'events', '*', 'k', 'state'}})
  if bad then return redis.error_reply(bad) end
  redis.call('ZREM', P .. 'queue', id)
  redis.call('HSET', t, 'state', s, 'want', cmd, 'note', note)
  redis.call('HDEL', t, 'start_state', 'start_mark')
  emit(s, note)
  return {'ok', answer}
end
local function queueFirst(note, answer)
  local bad = checked({{'HSET', t, 'state', 'queued'}, {'ZADD', P .. 'queue', '0', id}, {'XADD', P .. 'events', '*', 'k', 'state'}})
  if bad then return redis.error_reply(bad) end
  redis.call('HSET', t, 'state', 'queued', 'want', 'run', 'attempt', 0, 'note', note, 'agent', '', 'run', '')
  redis.call('ZADD', P .. 'queue', 0, id)
  emit('queued', note)
  return {'ok', answer}
end
if state == 'queued' then
  if cmd == 'stop' then return final('stopped', 'stopped before it started', 'stopped') end
  if cmd == 'cancel' then return final('cancelled', 'cancelled before it started', 'cancelled') end
  return queueFirst('queued first', 'moved to the front of the queue')
end
if state == 'running' then
  if cmd == 'start' then return {'noop', 'already running'} end
  if cmd == 'restart' then redis.call('HINCRBY', t, 'gen', 1); return {'ok', 'restarting on its agent'} end
  redis.call('HSET', t, 'want', cmd)
  return {'ok', cmd == 'stop' and 'stopping on its agent' or 'cancelling on its agent'}
end
if cmd == 'start' or cmd == 'restart' then return queueFirst('queued again', 'queued again') end
return {'noop', 'it is not running (' .. state .. ')'}`;

/**
 * ARGV: prefix, agent, run, leaseMs. Takes the first task whose time has come: {id, spec, gen, attempt, start frame,
 * start state, start mark} or nil. The claim notice carries the start frame and the state's mark (not the state): from
 * them on, the controller counts the file's frames from this run. The agent keeps the frame and mark: the notice is in
 * no journal, and Redis may lose it before the controller reads it (the agent sends it again, agent-heartbeat.ts).
 */
export const CLAIM = `${NOW}
${GUARD}
local P, agent, run, leaseMs = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local ids = redis.call('ZRANGEBYSCORE', P .. 'queue', '-inf', now, 'LIMIT', 0, 1)
if #ids == 0 then return false end
local id = ids[1]
local t, lease = P .. 'task:' .. id, P .. 'lease:' .. id
local bad = guard({t, 'hash', lease, 'string', P .. 'running', 'set', P .. 'events', 'stream'}, {
  {'ZREM', P .. 'queue', id}, {'ZADD', P .. 'queue', '0', id}, {'SET', lease, run}, {'HSET', t, 'state', 'running'},
  {'SADD', P .. 'running', id}, {'XADD', P .. 'events', '*', 'k', 'claim'}})
if bad then return redis.error_reply(bad) end
if redis.call('HGET', t, 'want') ~= 'run' or redis.call('HGET', t, 'state') ~= 'queued' then redis.call('ZREM', P .. 'queue', id); return false end
-- A run still holds the lease (it took it back while Redis had lost the task): the task waits in the queue until it lapses.
local left = redis.call('PTTL', lease)
if left ~= -2 then redis.call('ZADD', P .. 'queue', now + (left >= 0 and left or tonumber(leaseMs)), id); return false end
redis.call('ZREM', P .. 'queue', id)
redis.call('SET', lease, agent .. '|' .. run, 'PX', leaseMs)
redis.call('SADD', P .. 'running', id)
redis.call('HSET', t, 'state', 'running', 'agent', agent, 'run', run, 'since', now, 'note', '')
redis.call('SADD', P .. 'running', id)
local start = redis.call('HGET', t, 'start_frame') or ''
local state = start ~= '' and redis.call('HGET', t, 'start_state') or ''
local mark = state and state ~= '' and redis.call('HGET', t, 'start_mark') or ''
-- Last: a notice of a claim that did not take would void what an earlier run counted, and nobody would count it again.
redis.call('XADD', P .. 'events', '*', 'k', 'claim', 't', id, 'r', run, 'a', agent, 'f', start, 'm', mark or '')
return {id, redis.call('HGET', t, 'spec'), redis.call('HGET', t, 'gen') or '0', redis.call('HGET', t, 'attempt') or '0', start, state or '', mark or ''}`;

/**
 * ARGV: prefix, agent, instance, leaseMs, health (flat field/value list as JSON), then (id, run) pairs.
 * Renews the agent's name lock, health and the lease of every run it holds; a lease that lapsed while Redis was away
 * is taken back when the task is still assigned to this run. A task whose hash is gone (Redis restarted without its
 * data, flushed, failed over to an empty replica) is 'gone', not lost: no one else holds it, so the run keeps (or
 * takes back) its lease until the controller submits the task again and SUBMIT adopts the run. A task whose key
 * holds another type (overwritten by hand) is 'broken': its lease is left alone, and the agent's other leases are
 * still renewed. Returns, per pair, {id, 'ok', want, gen}, {id, 'gone', '', ''}, {id, 'lost', '', holder} (holder: the
 * agent whose run holds the lease now, '' when none does) or {id, 'broken', why, ''}; or 'name-taken' when another
 * instance holds the agent's name.
 */
export const HEARTBEAT = `${NOW}
${GUARD}
local P, agent, instance, leaseMs = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local lock, a = P .. 'agent-lock:' .. agent, P .. 'agent:' .. agent
local health = cjson.decode(ARGV[5])
local types = {lock, 'string', a, 'hash', P .. 'agents', 'set'}
local commands = {{'SET', lock, instance}, {'HSET', a, 'state', 'up'}, {'SADD', P .. 'agents', agent}}
for i = 6, #ARGV, 2 do table.insert(commands, {'SET', P .. 'lease:' .. ARGV[i], ARGV[i + 1]}) end
local bad = guard(types, commands)
if bad then return redis.error_reply(bad) end
local holder = redis.call('GET', lock)
if holder and holder ~= instance then return 'name-taken' end
redis.call('SET', lock, instance, 'PX', leaseMs)
redis.call('HSET', a, unpack(health))
redis.call('HSET', a, 'seen', now, 'state', 'up')
redis.call('SADD', P .. 'agents', agent)
local out = {}
for i = 6, #ARGV, 2 do
  local id, run = ARGV[i], ARGV[i + 1]
  local t = P .. 'task:' .. id
  local lease = P .. 'lease:' .. id
  local me = agent .. '|' .. run
  local broken = wrongType({t, 'hash', lease, 'string'})
  local cur = not broken and redis.call('GET', lease)
  if broken then
    table.insert(out, {id, 'broken', broken, ''})
  elseif (cur == me or not cur) and redis.call('EXISTS', t) == 0 then
    redis.call('SET', lease, me, 'PX', leaseMs)
    table.insert(out, {id, 'gone', '', ''})
  elseif cur == me or (not cur and redis.call('HGET', t, 'run') == run and redis.call('HGET', t, 'agent') == agent) then
    redis.call('SET', lease, me, 'PX', leaseMs)
    table.insert(out, {id, 'ok', redis.call('HGET', t, 'want') or 'run', redis.call('HGET', t, 'gen') or '0'})
  else
    table.insert(out, {id, 'lost', '', cur and string.match(cur, '^(.*)|[^|]*$') or ''})
  end
end
return out`;

/**
 * ARGV: prefix, then (id, frame, state, mark) quadruples: where files resume after the controller's newest stored
 * checkpoints, with the counting state of the frame before (or '') and its mark (or ''). A task Redis lost is left
 * lost: a hash holding only a resume point would pass for the task (its agent would take it for queued for another
 * run, the controller for still there); the controller submits it again with the point.
 */
export const START_FRAMES = `
${GUARD}
${FORWARD}
local types, commands = {}, {}
for i = 2, #ARGV, 4 do
  local t = ARGV[1] .. 'task:' .. ARGV[i]
  for _, v in ipairs({t, 'hash'}) do table.insert(types, v) end
  table.insert(commands, {'HSET', t, 'start_frame', '1'})
  table.insert(commands, {'HDEL', t, 'start_mark'})
end
local bad = guard(types, commands)
if bad then return redis.error_reply(bad) end
for i = 2, #ARGV, 4 do
  local t = ARGV[1] .. 'task:' .. ARGV[i]
  if redis.call('EXISTS', t) == 1 then forward(t, ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]) end
end
return 'ok'`;

/**
 * ARGV: prefix, agent, run, id, disposition, note, delayMs, attempt, last n, resume frame (a handed-back file: after
 * the last frame its worker reported, or ''), resume state (the worker's counting state before it, or ''), resume mark
 * (where in the counting order that state was taken, or ''). The end of a run on its agent:
 * completed | failed | stopped | cancelled settle the task; requeue puts it first in the queue (handed back,
 * restarted); retry queues it after delayMs (a camera that failed) with its attempt count. The task keeps which run
 * ended last, on which agent, and the sequence number of its `end` entry: a controller that was away when a file
 * finished takes that run in instead of running the file again. Returns 'ok', 'not-owner' when the task has
 * meanwhile gone to another run (taken over), or 'gone' when Redis lost the task (no hash): the run's lease is
 * dropped, so that the controller submitting the task again does not adopt a run that has ended.
 */
export const RELEASE = `${NOW}
${GUARD}
${FORWARD}
local P, agent, run, id, disposition, note, delay, attempt, lastN = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], tonumber(ARGV[7]), ARGV[8], ARGV[9] or ''
local t, lease = P .. 'task:' .. id, P .. 'lease:' .. id
if redis.call('EXISTS', t) == 0 then
  if redis.call('GET', lease) == agent .. '|' .. run then redis.call('DEL', lease) end
  return 'gone'
end
if redis.call('HGET', t, 'run') ~= run then return 'not-owner' end
local commands = {{'DEL', lease}, {'SREM', P .. 'running', id}, {'HSET', t, 'state', disposition}, {'HDEL', t, 'start_state'}, {'XADD', P .. 'events', '*', 'k', 'state'}}
if disposition == 'requeue' or disposition == 'retry' then table.insert(commands, {'ZADD', P .. 'queue', '0', id}) end
local bad = guard({P .. 'running', 'set', P .. 'queue', 'zset', P .. 'events', 'stream'}, commands)
if not bad and disposition == 'retry' and not delay then bad = 'ERR a retry needs its delay in ms, not ' .. tostring(ARGV[7]) end
if bad then return redis.error_reply(bad) end
redis.call('DEL', lease)
redis.call('SREM', P .. 'running', id)
local state = disposition
if disposition == 'requeue' then
  state = 'queued'
  redis.call('ZADD', P .. 'queue', 0, id)
  forward(t, ARGV[10], ARGV[11], ARGV[12])
elseif disposition == 'retry' then
  state = 'queued'
  redis.call('ZADD', P .. 'queue', now + delay, id)
end
redis.call('HSET', t, 'state', state, 'agent', '', 'run', '', 'note', note, 'attempt', attempt, 'last_run', run, 'last_agent', agent, 'last_n', lastN)
if state == 'queued' then redis.call('HSET', t, 'want', 'run') else redis.call('HDEL', t, 'start_state', 'start_mark') end
redis.call('XADD', P .. 'events', '*', 'k', 'state', 't', id, 's', state, 'note', note, 'a', agent, 'r', run)
return 'ok'`;

/**
 * ARGV: prefix, leaseMs. Run by every agent about once a second: a running task whose lease lapsed (its agent died,
 * or lost its network) goes back to the front of the queue; an agent not heard from for a lease time is marked lost,
 * one not heard from for an hour is forgotten. Right after Redis itself (re)started every lease may look lapsed, so
 * nothing is reaped until the agents have had one lease time to renew. Returns the ids re-queued.
 */
export const REAP = `${NOW}
${GUARD}
local P, leaseMs = ARGV[1], tonumber(ARGV[2])
local uptime = tonumber(string.match(redis.call('INFO', 'server'), 'uptime_in_seconds:(%d+)'))
if uptime * 1000 < leaseMs + 1000 then return {} end
-- What is to change, first, so that the guard checks exactly the writes it takes.
local types = {P .. 'running', 'set', P .. 'agents', 'set', P .. 'queue', 'zset', P .. 'events', 'stream'}
local commands = {}
local lapsed, forgotten, lost = {}, {}, {}
for _, id in ipairs(redis.call('SMEMBERS', P .. 'running')) do
  if redis.call('EXISTS', P .. 'lease:' .. id) == 0 then
    table.insert(lapsed, id)
    for _, v in ipairs({P .. 'task:' .. id, 'hash'}) do table.insert(types, v) end
  end
end
for _, name in ipairs(redis.call('SMEMBERS', P .. 'agents')) do
  for _, v in ipairs({P .. 'agent:' .. name, 'hash'}) do table.insert(types, v) end
end
local bad = guard(types, {})
if bad then return redis.error_reply(bad) end
for _, id in ipairs(lapsed) do
  local t = P .. 'task:' .. id
  table.insert(commands, {'SREM', P .. 'running', id})
  if redis.call('EXISTS', t) == 1 then
    local settle = redis.call('HGET', t, 'want') == 'run' and {'ZADD', P .. 'queue', '0', id} or {'HDEL', t, 'start_state'}
    for _, c in ipairs({{'HSET', t, 'state', 'queued'}, settle, {'XADD', P .. 'events', '*', 'k', 'lost'}}) do table.insert(commands, c) end
  end
end
for _, name in ipairs(redis.call('SMEMBERS', P .. 'agents')) do
  local a = P .. 'agent:' .. name
  local seen = tonumber(redis.call('HGET', a, 'seen') or '0')
  if now - seen > 3600000 then
    table.insert(forgotten, name)
    for _, c in ipairs({{'SREM', P .. 'agents', name}, {'DEL', a}}) do table.insert(commands, c) end
  elseif now - seen > leaseMs and redis.call('HGET', a, 'state') == 'up' then
    table.insert(lost, {name, now - seen})
    for _, c in ipairs({{'HSET', a, 'state', 'lost'}, {'XADD', P .. 'events', '*', 'k', 'agent'}}) do table.insert(commands, c) end
  end
end
bad = guard({}, commands)
if bad then return redis.error_reply(bad) end
local out = {}
for _, id in ipairs(lapsed) do
  local t = P .. 'task:' .. id
  -- Left in the running set by a submission cut short (SUBMIT adds it first): no task to re-queue.
  if redis.call('EXISTS', t) == 0 then redis.call('SREM', P .. 'running', id) else
    local agent, run, want = redis.call('HGET', t, 'agent') or '', redis.call('HGET', t, 'run') or '', redis.call('HGET', t, 'want')
    local note
    if want == 'run' then
      note = 'agent ' .. agent .. ' stopped renewing its lease: re-queued'
      redis.call('HSET', t, 'state', 'queued')
      redis.call('ZADD', P .. 'queue', 0, id)
    else
      note = 'agent ' .. agent .. ' was lost while stopping the task'
      redis.call('HSET', t, 'state', want == 'cancel' and 'cancelled' or 'stopped')
      redis.call('HDEL', t, 'start_state', 'start_mark')
    end
    redis.call('HSET', t, 'agent', '', 'run', '', 'note', note)
    redis.call('XADD', P .. 'events', '*', 'k', 'lost', 't', id, 'r', run, 'a', agent, 'note', note)
    -- Last: cut short before it, the next call finds the task again and finishes (a notice seen twice changes nothing).
    redis.call('SREM', P .. 'running', id)
    table.insert(out, id)
  end
end
for _, name in ipairs(forgotten) do
  redis.call('SREM', P .. 'agents', name)
  redis.call('DEL', P .. 'agent:' .. name)
end
for _, l in ipairs(lost) do
  redis.call('HSET', P .. 'agent:' .. l[1], 'state', 'lost')
  redis.call('XADD', P .. 'events', '*', 'k', 'agent', 'a', l[1], 's', 'lost', 'note', 'no heartbeat for ' .. math.floor(l[2] / 1000) .. ' s')
end
return out`;

/** ARGV: prefix, agent, instance, note. An agent that exits in order frees its name and says so. */
export const AGENT_EXIT = `${NOW}
${GUARD}
local P, agent, instance, note = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local lock = P .. 'agent-lock:' .. agent
local bad = guard({lock, 'string', P .. 'agent:' .. agent, 'hash', P .. 'events', 'stream'}, {
  {'DEL', lock}, {'HSET', P .. 'agent:' .. agent, 'state', 'stopped'}, {'XADD', P .. 'events', '*', 'k', 'agent'}})
if bad then return redis.error_reply(bad) end
if redis.call('GET', lock) == instance then redis.call('DEL', lock) end
redis.call('HSET', P .. 'agent:' .. agent, 'state', 'stopped', 'seen', now, 'used', 0)
redis.call('XADD', P .. 'events', '*', 'k', 'agent', 'a', agent, 's', 'stopped', 'note', note)
return 'ok'`;

/** ARGV: prefix, holder, leaseMs. Takes or renews the controller lease: 'ok', or the current holder's id. */
export const CONTROLLER_LEASE = `
local key = ARGV[1] .. 'controller'
local cur = redis.call('GET', key)
if cur and cur ~= ARGV[2] then return cur end
redis.call('SET', key, ARGV[2], 'PX', ARGV[3])
return 'ok'`;

/** ARGV: prefix, holder. */
export const CONTROLLER_EXIT = `
${GUARD}
local bad = guard({ARGV[1] .. 'controller', 'string', ARGV[1] .. 'unstored', 'string'}, {{'DEL', ARGV[1] .. 'controller'}, {'DEL', ARGV[1] .. 'unstored'}})
if bad then return redis.error_reply(bad) end
for _, name in ipairs({'controller', 'unstored'}) do
  local key = ARGV[1] .. name
  if redis.call('GET', key) == ARGV[2] then redis.call('DEL', key) end
end
return 'ok'`;

const shas = new Map<string, string>();

/** Runs a script by its SHA1 (EVALSHA), sending the source only when the server does not have it yet (NOSCRIPT). */
export async function runScript(conn: RedisConnection, script: string, args: (string | number)[]): Promise<RedisReply> {
  let sha = shas.get(script);
  if (!sha) {
    sha = createHash('sha1').update(script).digest('hex');
    shas.set(script, sha);
  }
  try {
    return await conn.send(['EVALSHA', sha, 0, ...args]);
  } catch (err) {
    if (!/NOSCRIPT/.test((err as Error).message)) throw err;
    return conn.send(['EVAL', script, 0, ...args]);
  }
}
