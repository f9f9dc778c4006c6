"""Usage: server_vs_check.py BINARY CHECKOUTS (the folder fetch.sh fills).
Opens every corpus plan in the server over JSON-RPC (as an editor does), waits for the complete
diagnostics ($/planLsp/analysed), and compares them with `plan-lsp check` on the same file.
Also records the first look and checks it says nothing the complete list does not."""
import json, subprocess, sys, os, threading, time
here=os.path.dirname(os.path.abspath(__file__))
corpus=[json.loads(l) for l in open(os.path.join(here, "corpus.jsonl"))]
repos={o['repo']:o for o in corpus if o['kind']=='repo'}
binary, root = sys.argv[1], sys.argv[2]
def frame(msg):
    b=json.dumps(msg).encode(); return b'Content-Length: %d\r\n\r\n'%len(b)+b
def reader(p, inbox, cv):
    f=p.stdout
    while True:
        h=b''
        while not h.endswith(b'\r\n\r\n'):
            c=f.read(1)
            if not c: return
            h+=c
        n=int([l for l in h.split(b'\r\n') if l.lower().startswith(b'content-length')][0].split(b':')[1])
        m=json.loads(f.read(n))
        with cv: inbox.append(m); cv.notify_all()
tot=dict(files=0, same=0, differ=0, early_extra=0)
for repo,o in repos.items():
    ck=os.path.join(root,o['folder'])
    files=[f for f in corpus if f['kind']=='file' and f['repo']==repo and 'extract' not in f]
    p=subprocess.Popen([binary],stdin=subprocess.PIPE,stdout=subprocess.PIPE,stderr=subprocess.DEVNULL)
    inbox=[]; cv=threading.Condition(); threading.Thread(target=reader,args=(p,inbox,cv),daemon=True).start()
    uri='file://'+ck
    p.stdin.write(frame({'jsonrpc':'2.0','id':1,'method':'initialize','params':{'rootUri':uri,'workspaceFolders':[{'uri':uri,'name':'w'}],'capabilities':{'experimental':{'planLspAnalysed':True}}}})); p.stdin.flush()
    with cv: cv.wait_for(lambda: any(m.get('id')==1 for m in inbox), 30)
    p.stdin.write(frame({'jsonrpc':'2.0','method':'initialized','params':{}})); p.stdin.flush()
    with cv: cv.wait_for(lambda: any(m.get('method')=='$/progress' and m['params']['value'].get('kind')=='end' for m in inbox), 60)
    for f in files:
        path=os.path.join(ck,f['path'])
        if not os.path.exists(path): continue
        u='file://'+path; text=open(path,encoding='utf-8',errors='replace').read()
        p.stdin.write(frame({'jsonrpc':'2.0','method':'textDocument/didOpen','params':{'textDocument':{'uri':u,'languageId':'markdown','version':1,'text':text}}})); p.stdin.flush()
        with cv: ok=cv.wait_for(lambda: any(m.get('method')=='$/planLsp/analysed' and m['params']['uri']==u for m in inbox), 60)
        pubs=[m['params']['diagnostics'] for m in inbox if m.get('method')=='textDocument/publishDiagnostics' and m['params']['uri']==u]
        key=lambda d:(d['range']['start']['line'],d['code'])
        complete=sorted(key(d) for d in pubs[-1]) if pubs else []
        first=set(key(d) for d in pubs[0]) if pubs else set()
        extra=first-set(complete)
        tot['early_extra']+=len(extra)
        if extra: print('EARLY',repo,f['path'],sorted(extra), [d['message'][:80] for d in pubs[0] if key(d) in extra])
        out=subprocess.run([binary,'check','--format','json','--root','.',f['path']],cwd=ck,capture_output=True,text=True).stdout
        chk=sorted((d['line']-1,d['code']) for d in json.loads(out or '[]'))
        tot['files']+=1
        if chk==complete: tot['same']+=1
        else:
            tot['differ']+=1
            print('DIFF',repo,f['path'],'server-only',sorted(set(complete)-set(chk))[:5],'check-only',sorted(set(chk)-set(complete))[:5])
        p.stdin.write(frame({'jsonrpc':'2.0','method':'textDocument/didClose','params':{'textDocument':{'uri':u}}})); p.stdin.flush()
    p.stdin.write(frame({'jsonrpc':'2.0','id':9,'method':'shutdown'})); p.stdin.write(frame({'jsonrpc':'2.0','method':'exit'})); p.stdin.flush(); p.wait(10)
print(tot)
