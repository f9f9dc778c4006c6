-- A local OpenAI-compatible chat completions endpoint on 127.0.0.1 for the tests, speaking the
-- real wire format: JSON for plain requests, server-sent events for `"stream": true`.
--   local llm = require('fake_llm').start(function(request) return 'the reply' end)
--   llm.url, llm.requests (decoded bodies), llm:close()
-- A reply function returning nil leaves the request unanswered (a model that never answers).
local M = {}

local function header_end(buf)
  return buf:find('\r\n\r\n', 1, true)
end

local function respond(sock, status, content_type, body)
  local head = ('HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n'):format(status, content_type, #body)
  sock:write(head .. body, function()
    sock:shutdown(function()
      sock:close()
    end)
  end)
end

local function chunk(model, delta, finish)
  return 'data: '
    .. vim.json.encode({
      id = 'chatcmpl-test',
      object = 'chat.completion.chunk',
      created = 1,
      model = model,
      choices = { { index = 0, delta = delta, finish_reason = finish or vim.NIL } },
    })
    .. '\n\n'
end

local function answer(sock, request, reply)
  local model = request.model or 'test'
  if request.stream then
    -- Two content chunks, then the finish reason and [DONE], as OpenAI streams them.
    local half = math.floor(#reply / 2)
    local body = chunk(model, { role = 'assistant', content = reply:sub(1, half) })
      .. chunk(model, { content = reply:sub(half + 1) })
      .. chunk(model, vim.empty_dict(), 'stop')
      .. 'data: [DONE]\n\n'
    respond(sock, '200 OK', 'text/event-stream', body)
  else
    respond(sock, '200 OK', 'application/json', vim.json.encode({
      id = 'chatcmpl-test',
      object = 'chat.completion',
      created = 1,
      model = model,
      choices = { { index = 0, message = { role = 'assistant', content = reply }, finish_reason = 'stop' } },
      usage = { prompt_tokens = 1, completion_tokens = 1, total_tokens = 2 },
    }))
  end
end

function M.start(reply_fn)
  local server = { requests = {}, raw = {}, sockets = {} }
  local tcp = assert(vim.uv.new_tcp())
  assert(tcp:bind('127.0.0.1', 0))
  assert(tcp:listen(16, function(err)
    assert(not err, err)
    local sock = vim.uv.new_tcp()
    tcp:accept(sock)
    table.insert(server.sockets, sock)
    local buf = ''
    sock:read_start(function(read_err, data)
      if read_err or not data then
        return
      end
      buf = buf .. data
      local stop = header_end(buf)
      if not stop then
        return
      end
      local length = tonumber(buf:sub(1, stop):lower():match('content%-length:%s*(%d+)')) or 0
      if #buf < stop + 3 + length then
        return
      end
      local head, body = buf:sub(1, stop), buf:sub(stop + 4, stop + 3 + length)
      buf = ''
      table.insert(server.raw, head)
      local ok, request = pcall(vim.json.decode, body)
      request = ok and request or {}
      request._path = head:match('^%u+ (%S+)')
      table.insert(server.requests, request)
      vim.schedule(function()
        local reply = reply_fn(request)
        if reply ~= nil then
          answer(sock, request, reply)
        end
      end)
    end)
  end))
  server.port = tcp:getsockname().port
  server.url = ('http://127.0.0.1:%d/v1'):format(server.port)
  function server:close()
    for _, s in ipairs(self.sockets) do
      if not s:is_closing() then
        s:close()
      end
    end
    tcp:close()
  end
  return server
end

--- The text of every message of a chat request, joined.
function M.prompt_text(request)
  local parts = {}
  for _, m in ipairs(request.messages or {}) do
    table.insert(parts, type(m.content) == 'string' and m.content or vim.json.encode(m.content))
  end
  return table.concat(parts, '\n')
end

return M
