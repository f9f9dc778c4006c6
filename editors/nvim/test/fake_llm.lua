-- A local OpenAI-compatible chat completions endpoint for the tests, speaking the real wire
-- format: JSON for plain requests, server-sent events for `"stream": true`.
--   local llm = require('fake_llm').start(function(request) return 'the reply' end)
--   llm.url, llm.requests (decoded bodies, with _path), llm:close()
-- A reply function returning nil leaves the request unanswered (a model that never answers).
local fake_http = require('fake_http')
local M = {}

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

function M.start(reply_fn)
  local llm = { requests = {} }
  local srv = fake_http.start(function(req, respond)
    local ok, request = pcall(vim.json.decode, req.body)
    request = ok and type(request) == 'table' and request or {}
    request._path = req.path
    table.insert(llm.requests, request)
    local reply = reply_fn(request)
    if reply == nil then
      return
    end
    local model = request.model or 'test'
    if request.stream then
      -- Two content chunks, then the finish reason and [DONE], as OpenAI streams them.
      local half = math.floor(#reply / 2)
      respond(200, { ['Content-Type'] = 'text/event-stream' }, chunk(model, { role = 'assistant', content = reply:sub(1, half) })
        .. chunk(model, { content = reply:sub(half + 1) })
        .. chunk(model, vim.empty_dict(), 'stop')
        .. 'data: [DONE]\n\n')
    else
      respond(200, { ['Content-Type'] = 'application/json' }, vim.json.encode({
        id = 'chatcmpl-test',
        object = 'chat.completion',
        created = 1,
        model = model,
        choices = { { index = 0, message = { role = 'assistant', content = reply }, finish_reason = 'stop' } },
        usage = { prompt_tokens = 1, completion_tokens = 1, total_tokens = 2 },
      }))
    end
  end)
  llm.url = srv.base .. '/v1'
  function llm:close()
    srv:close()
  end
  return llm
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
