-- A minimal HTTP/1.1 server on 127.0.0.1 for the tests (one request per connection, then close),
-- on Neovim's libuv loop so it runs while the tests wait with vim.wait().
--   local srv = require('fake_http').start(function(req, respond) respond(200, headers, body) end)
--   req = { method, path, headers (lower-case keys), body }; respond may be called later or never.
--   srv.port, srv.requests, srv:close()
local M = {}

function M.start(handler)
  local server = { requests = {}, sockets = {} }
  local tcp = assert(vim.uv.new_tcp())
  assert(tcp:bind('127.0.0.1', 0))
  assert(tcp:listen(16, function(err)
    assert(not err, err)
    local sock = vim.uv.new_tcp()
    tcp:accept(sock)
    table.insert(server.sockets, sock)
    local buf, done = '', false
    sock:read_start(function(read_err, data)
      if read_err or not data or done then
        return
      end
      buf = buf .. data
      local stop = buf:find('\r\n\r\n', 1, true)
      if not stop then
        return
      end
      local head = buf:sub(1, stop - 1)
      local headers = {}
      for name, value in head:gmatch('\r\n([^:\r\n]+):%s*([^\r\n]*)') do
        headers[name:lower()] = value
      end
      local length = tonumber(headers['content-length']) or 0
      if #buf < stop + 3 + length then
        return
      end
      done = true
      local method, path = head:match('^(%u+) (%S+)')
      local req = { method = method, path = path, headers = headers, body = buf:sub(stop + 4, stop + 3 + length) }
      table.insert(server.requests, req)
      vim.schedule(function()
        handler(req, function(status, resp_headers, body)
          local lines = { ('HTTP/1.1 %d %s'):format(status, status < 400 and 'OK' or 'Error') }
          resp_headers = vim.tbl_extend('keep', resp_headers or {}, { ['Connection'] = 'close' })
          resp_headers['Content-Length'] = tostring(#body)
          for k, v in pairs(resp_headers) do
            table.insert(lines, k .. ': ' .. v)
          end
          if sock:is_closing() then
            return
          end
          sock:write(table.concat(lines, '\r\n') .. '\r\n\r\n' .. body, function()
            if not sock:is_closing() then
              sock:shutdown(function()
                if not sock:is_closing() then
                  sock:close()
                end
              end)
            end
          end)
        end)
      end)
    end)
  end))
  server.port = tcp:getsockname().port
  server.base = ('http://127.0.0.1:%d'):format(server.port)
  function server:close()
    for _, s in ipairs(self.sockets) do
      if not s:is_closing() then
        s:close()
      end
    end
    if not tcp:is_closing() then
      tcp:close()
    end
  end
  return server
end

return M
