"""Make python-openid (Debian python3-openid) produce a real SQL store for the import tests.

Run with /usr/bin/python3. Commands (JSON on stdout):
  fill DB_PATH [OP_ENDPOINT]
      python-openid's SQLiteStore creates its tables in DB_PATH and stores what a
      python-openid consumer keeps: associations (two types, one expired, one handle
      under two server URLs), used nonces (OpenID 2 and OpenID 1 style), and a message
      signed by python-openid with each live association. With OP_ENDPOINT, also lets
      python-openid's consumer negotiate a real association with that provider.
  ddl
      The CREATE TABLE statements of python-openid's PostgreSQLStore and MySQLStore,
      read from its source (their drivers are not installed here).
"""
import ast
import json
import os
import sqlite3
import sys
import time
import types

# python-openid 3.2.0's sqlstore imports psycopg2 in PostgreSQLStore's class body, so the
# module cannot be imported without it even to use SQLiteStore. A placeholder module lets
# the import succeed; PostgreSQLStore is never instantiated here.
sys.modules.setdefault('psycopg2', types.ModuleType('psycopg2'))

import openid.store.sqlstore as sqlstore  # noqa: E402
from openid.association import Association  # noqa: E402
from openid.message import Message, OPENID2_NS  # noqa: E402
from openid.store.nonce import mkNonce, split  # noqa: E402

TABLES = {'associations': 'oid_associations', 'nonces': 'oid_nonces'}


def ddl():
    source = open(sqlstore.__file__, encoding='utf-8').read()
    out = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.ClassDef) and node.name in ('PostgreSQLStore', 'MySQLStore'):
            stmts = {}
            for item in node.body:
                if (isinstance(item, ast.Assign) and len(item.targets) == 1
                        and isinstance(item.targets[0], ast.Name)
                        and item.targets[0].id in ('create_nonce_sql', 'create_assoc_sql')):
                    stmts[item.targets[0].id] = ast.literal_eval(item.value) % TABLES
            out[node.name] = stmts
    print(json.dumps(out))


def fill(db_path, op_endpoint=None):
    store = sqlstore.SQLiteStore(sqlite3.connect(db_path))
    store.createTables()
    now = int(time.time())
    server = 'https://op.python.example/server'
    other = 'https://other.python.example/openid'
    assocs = []
    live = []
    for assoc_type, size in (('HMAC-SHA1', 20), ('HMAC-SHA256', 32)):
        a = Association.fromExpiresIn(3600, 'py-%s-%d' % (assoc_type, now), os.urandom(size), assoc_type)
        store.storeAssociation(server, a)
        live.append((server, a))
        assocs.append({'server_url': server, 'handle': a.handle, 'type': assoc_type, 'expired': False})
    # The same handle under a second server URL, with its own secret.
    twin = Association.fromExpiresIn(3600, live[0][1].handle, os.urandom(20), 'HMAC-SHA1')
    store.storeAssociation(other, twin)
    live.append((other, twin))
    assocs.append({'server_url': other, 'handle': twin.handle, 'type': 'HMAC-SHA1', 'expired': False})
    old = Association('py-expired', os.urandom(20), now - 7200, 3600, 'HMAC-SHA1')
    store.storeAssociation(server, old)
    assocs.append({'server_url': server, 'handle': old.handle, 'type': 'HMAC-SHA1', 'expired': True})

    signed = []
    for server_url, a in live:
        msg = Message.fromOpenIDArgs({
            'ns': OPENID2_NS,
            'mode': 'id_res',
            'op_endpoint': server_url,
            'claimed_id': 'https://alice.python.example/',
            'identity': 'https://alice.python.example/',
            'return_to': 'https://rp.python.example/return',
            'response_nonce': mkNonce(),
            'assoc_handle': a.handle,
        })
        msg = a.signMessage(msg)
        signed.append({'server_url': server_url, 'handle': a.handle, 'args': msg.toPostArgs()})

    nonces = []
    for server_url in (server, other):
        for _ in range(3):
            ts, salt = split(mkNonce())
            if not store.useNonce(server_url, ts, salt):
                raise SystemExit('python-openid refused a fresh nonce')
            nonces.append({'server_url': server_url, 'timestamp': ts, 'salt': salt})
    # python-openid's consumer keeps OpenID 1 nonces under an empty server URL.
    ts, salt = split(mkNonce())
    store.useNonce('', ts, salt)
    openid1 = {'server_url': '', 'timestamp': ts, 'salt': salt}

    negotiated = None
    if op_endpoint:
        from openid.consumer.consumer import GenericConsumer
        from openid.consumer.discover import OpenIDServiceEndpoint, OPENID_2_0_TYPE
        endpoint = OpenIDServiceEndpoint()
        endpoint.server_url = op_endpoint
        endpoint.type_uris = [OPENID_2_0_TYPE]
        a = GenericConsumer(store)._getAssociation(endpoint)
        if a is None:
            raise SystemExit('python-openid could not associate with %s' % op_endpoint)
        negotiated = {'server_url': op_endpoint, 'handle': a.handle, 'type': a.assoc_type}

    print(json.dumps({
        'now': now,
        'associations': assocs,
        'signed': signed,
        'nonces': nonces,
        'openid1_nonce': openid1,
        'negotiated': negotiated,
    }))


if __name__ == '__main__':
    if sys.argv[1] == 'ddl':
        ddl()
    elif sys.argv[1] == 'fill':
        fill(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)
    else:
        raise SystemExit('usage: fill DB [OP_ENDPOINT] | ddl')
