"""Lua scripts of the Redis conversation lock (see ``lock.py`` for the design).

Keys of one lock: KEYS[1] owner (string: the holder's token, with the lease as TTL), KEYS[2]
queue (sorted set: waiter token -> ticket), KEYS[3] alive (sorted set: waiter token -> the
server time in ms until which the waiter counts as alive), KEYS[4] seq (the ticket counter).
"""

from __future__ import annotations

__all__ = ["ABANDON", "ACQUIRE", "RELEASE", "RENEW"]

# ARGV: token, lease ms, waiter ttl ms. Returns 1 when the caller now holds the lock, else 0
# (the caller is then queued, or its place and liveness are refreshed).
ACQUIRE = """
local owner, queue, alive, seq = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local token = ARGV[1]
local waiter_ttl = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

-- Waiters that stopped polling (their process died) lose their place.
local dead = redis.call('ZRANGEBYSCORE', alive, '-inf', now)
for _, member in ipairs(dead) do
  redis.call('ZREM', queue, member)
end
redis.call('ZREMRANGEBYSCORE', alive, '-inf', now)

if redis.call('EXISTS', owner) == 0 then
  local head = redis.call('ZRANGE', queue, 0, 0)[1]
  if head == nil or head == token then
    redis.call('SET', owner, token, 'PX', ARGV[2])
    redis.call('ZREM', queue, token)
    redis.call('ZREM', alive, token)
    if redis.call('ZCARD', queue) == 0 then
      redis.call('DEL', seq)
    end
    return 1
  end
end

if not redis.call('ZSCORE', queue, token) then
  redis.call('ZADD', queue, redis.call('INCR', seq), token)
end
redis.call('ZADD', alive, now + waiter_ttl, token)
-- Every poll keeps the queue keys; once nobody polls they vanish by themselves.
for _, key in ipairs({queue, alive, seq}) do
  redis.call('PEXPIRE', key, waiter_ttl * 2)
end
return 0
"""

# ARGV: token. Gives up a place in the queue, and the lock too if the caller got it meanwhile.
ABANDON = """
local owner, queue, alive, seq = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local token = ARGV[1]
redis.call('ZREM', queue, token)
redis.call('ZREM', alive, token)
if redis.call('ZCARD', queue) == 0 then
  redis.call('DEL', seq)
end
if redis.call('GET', owner) == token then
  redis.call('DEL', owner)
  return 1
end
return 0
"""

# KEYS[1] owner; ARGV: token. Only the holder's token releases. Returns 1 when released.
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""

# KEYS[1] owner; ARGV: token, lease ms. Extends the lease of a lock still held by the token.
RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
