-- A small test harness for headless Neovim: named tests, assertions with messages, and the
-- "N passed, N failed" closing line CI counts.
local H = { passed = 0, failed = 0, failures = {} }

local function fmt(v)
  return type(v) == 'string' and string.format('%q', v) or vim.inspect(v)
end

function H.eq(expected, actual, what)
  if not vim.deep_equal(expected, actual) then
    error(('%s: expected %s, got %s'):format(what or 'value', fmt(expected), fmt(actual)), 2)
  end
end

function H.ok(cond, what)
  if not cond then
    error(what or 'assertion failed', 2)
  end
  return cond
end

function H.match(pattern, text, what)
  if type(text) ~= 'string' or not text:find(pattern) then
    error(('%s: %s does not match %q'):format(what or 'text', fmt(text), pattern), 2)
  end
end

--- Polls until fn() is truthy; errors with `what` after timeout_ms.
function H.wait(timeout_ms, fn, what)
  local value
  local ok = vim.wait(timeout_ms, function()
    value = fn()
    return value ~= nil and value ~= false
  end, 20)
  if not ok then
    error(('timed out after %d ms waiting for %s'):format(timeout_ms, what or 'condition'), 2)
  end
  return value
end

function H.test(name, fn)
  local start = vim.uv.hrtime()
  local ok, err = xpcall(fn, debug.traceback)
  local ms = (vim.uv.hrtime() - start) / 1e6
  if ok then
    H.passed = H.passed + 1
    io.stdout:write(('ok   %s (%.0f ms)\n'):format(name, ms))
  else
    H.failed = H.failed + 1
    table.insert(H.failures, name)
    io.stdout:write(('FAIL %s (%.0f ms)\n%s\n'):format(name, ms, err))
  end
  io.stdout:flush()
end

--- Prints the summary and exits with 0 only when every test passed.
function H.finish()
  for _, client in ipairs(vim.lsp.get_clients()) do
    client:stop(true)
  end
  vim.wait(2000, function()
    return #vim.lsp.get_clients() == 0
  end, 20)
  if #H.failures > 0 then
    io.stdout:write('failed: ' .. table.concat(H.failures, '; ') .. '\n')
  end
  -- On a line of its own even if something wrote a partial line before.
  io.stdout:write(('\n%d passed, %d failed\n'):format(H.passed, H.failed))
  io.stdout:flush()
  os.exit(H.failed == 0 and H.passed > 0 and 0 or 1)
end

return H
