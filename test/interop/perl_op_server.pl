#!/usr/bin/perl
# Net::OpenID::Server (Debian's libnet-openid-server-perl) on 127.0.0.1, for
# interop tests. Run with /usr/bin/perl. Prints one JSON line {"port": N} on
# stdout once listening, then serves until stdin closes.
#
# One request per connection (Connection: close), one at a time: the server
# never calls anyone back, so a single loop cannot deadlock.
#
# Routes:
#   /op          the OpenID endpoint (GET or POST), answered by handle_page
#   /id/NAME     identity page: XRDS (2.0 signon + 1.1) when asked for it,
#                else HTML naming the endpoint for 2.0 and 1.1
#   /id1/NAME    OpenID 1.1 identity page (HTML, openid.server only)
#   /            OP identifier XRDS (2.0 server, for identifier_select)
#   /setup       the setup page handle_page names in user_setup_url
#   POST /control  JSON {"decision": "allow" | "deny" | "setup", "user": NAME,
#                        "sreg": {field: value}, "rotate_secret": true,
#                        "compat": bool, "no_endpoint_url": bool}
#     allow: the user is signed in and trusts the realm (handle_page signs)
#     deny:  the user refuses at the setup page (cancel_return_url)
#     setup: the user signs in and agrees at the setup page; the app then
#            signs with signed_return_url, adding the SReg fields asked for
#     rotate_secret: a new server secret, so every handle given out is dead
#     compat: the library's OpenID 1.0 compatibility mode (issued / valid_to
#             signed in assertions, expiry / issued in associate answers,
#             lifetime in check_authentication answers)
#     no_endpoint_url: the host app sets no endpoint_url, an option the
#             library allows; its 2.0 answers then carry no op_endpoint
#   GET /log     JSON list of the requests the endpoint saw, in order, with
#                what it answered to associate and check_authentication
use strict;
use warnings;

use HTTP::Daemon;
use HTTP::Response;
use IO::Select;
use JSON::PP;
use Net::OpenID::Server;
use URI;

my $SREG_11 = 'http://openid.net/extensions/sreg/1.1';
my $SREG_10 = 'http://openid.net/sreg/1.0';
my $OPENID2 = 'http://specs.openid.net/auth/2.0';

my %state = (decision => 'allow', user => 'alice', sreg => {}, compat => 0, no_endpoint_url => 0,
             secret => Net::OpenID::Server::rand_chars(32));
my @log;
my $json = JSON::PP->new->utf8->canonical;

my $daemon = HTTP::Daemon->new(LocalAddr => '127.0.0.1', LocalPort => 0, ReuseAddr => 1, Listen => 32)
  or die "cannot listen: $!";
my $base = 'http://127.0.0.1:' . $daemon->sockport;
$| = 1;
print $json->encode({ port => 0 + $daemon->sockport }), "\n";

sub response {
    my ($code, $type, $body, %headers) = @_;
    my $res = HTTP::Response->new($code);
    $res->header('Content-Type' => $type);
    $res->header($_ => $headers{$_}) for keys %headers;
    $res->content($body);
    $res->header('Content-Length' => length $body);
    return $res;
}

sub xrds {
    my @services = @_;
    my $xrd = join '', map {
        my ($prio, $type, $uri) = @$_;
        qq{<Service priority="$prio"><Type>$type</Type><URI>$uri</URI></Service>};
    } @services;
    return qq{<?xml version="1.0" encoding="UTF-8"?>\n}
      . qq{<xrds:XRDS xmlns:xrds="xri://\$xrds" xmlns="xri://\$xrd*(\$v*2.0)"><XRD>$xrd</XRD></xrds:XRDS>\n};
}

# The query (GET) or urlencoded body (POST) as a hash of byte strings: the
# server signs and escapes bytes, as under CGI.pm without -utf8.
sub params {
    my ($req) = @_;
    my $u = URI->new('http://x/');
    $u->query($req->method eq 'POST' ? $req->content : $req->uri->query);
    my %p = $u->query_form;
    return \%p;
}

# What the relying party asked for through SReg (1.1 or 1.0 namespace, or 1.x's bare "sreg." fields).
sub sreg_answer {
    my ($nos) = @_;
    my $message = $nos->message;
    my ($ns) = grep { $message->has_ext($_) } $SREG_11, $SREG_10;
    return {} unless $ns;
    my $asked = $message->get_ext($ns);
    my %fields;
    for my $f (map { split /,/ } grep { defined } @{$asked}{qw(required optional)}) {
        next unless exists $state{sreg}{$f};
        my $value = $state{sreg}{$f};
        utf8::encode($value);
        $fields{"sreg.$f"} = $value;
    }
    $fields{'ns.sreg'} = $ns if $message->protocol_version >= 2;
    return \%fields;
}

sub openid {
    my ($req) = @_;
    my $p = params($req);
    my $user = $state{user};
    my $nos = Net::OpenID::Server->new(
        args          => $p,
        server_secret => $state{secret},
        endpoint_url  => $state{no_endpoint_url} ? undef : "$base/op",
        setup_url     => "$base/setup",
        compat        => $state{compat} ? 1 : 0,
        get_user      => sub { $user },
        get_identity  => sub { "$base/id/$_[0]" },
        is_identity   => sub {
            my ($u, $identity) = @_;
            return defined $u && defined $identity && ($identity eq "$base/id/$u" || $identity eq "$base/id1/$u");
        },
        is_trusted => sub { $_[2] && $state{decision} eq 'allow' },
    );
    my %entry = (mode => $p->{'openid.mode'} // '(none)');
    $entry{ns} = $p->{'openid.ns'} if defined $p->{'openid.ns'};
    $entry{$_} = $p->{"openid.$_"} for grep { defined $p->{"openid.$_"} } qw(assoc_type session_type);
    push @log, \%entry;

    my ($type, $data) = $nos->handle_page;
    if (!defined $type) {
        $entry{error} = $nos->err;
        return response(400, 'text/plain', $nos->err . "\n");
    }
    if ($type eq 'redirect') {
        return response(302, 'text/plain', '', Location => $data);
    }
    if ($type eq 'setup') {
        # The setup page, decided at once: the user refuses, or signs in and agrees.
        my $message = $nos->message;
        if ($state{decision} ne 'setup') {
            return response(302, 'text/plain', '', Location => $nos->cancel_return_url(return_to => $data->{return_to}));
        }
        my $identity = $data->{identity};
        $identity = "$base/id/$user" if ($identity // '') eq "$OPENID2/identifier_select";
        my $url = $nos->signed_return_url(
            identity          => $identity,
            claimed_id        => $message->get('claimed_id'),
            return_to         => $data->{return_to},
            trust_root        => $data->{trust_root},
            assoc_handle      => $message->get('assoc_handle'),
            ns                => $message->get('ns'),
            additional_fields => sreg_answer($nos),
        );
        return response(400, 'text/plain', "return_to not under the realm\n") unless $url;
        return response(302, 'text/plain', '', Location => $url);
    }
    # A direct answer (associate, check_authentication): key-value form, as the library wrote it.
    for my $line (split /\n/, $data) {
        my ($k, $v) = split /:/, $line, 2;
        $entry{answer}{$k} = $v if $k =~ /^(?:error_code|error|is_valid|invalidate_handle|assoc_type|session_type)$/;
    }
    # The library gives no HTTP status; a plain CGI prints its page with 200.
    return response(200, $type, $data);
}

sub route {
    my ($req) = @_;
    my $path = $req->uri->path;
    my $wants_xrds = ($req->header('Accept') // '') =~ m{application/xrds\+xml};
    return openid($req) if $path eq '/op';
    if ($path eq '/control' && $req->method eq 'POST') {
        my $config = $json->decode($req->content);
        $state{secret} = Net::OpenID::Server::rand_chars(32) if delete $config->{rotate_secret};
        %state = (%state, %$config);
        return response(200, 'text/plain', "ok\n");
    }
    return response(200, 'application/json', $json->encode(\@log)) if $path eq '/log';
    return response(200, 'application/xrds+xml', xrds([0, "$OPENID2/server", "$base/op"])) if $path eq '/';
    return response(200, 'text/html', "<html><body>setup</body></html>\n") if $path eq '/setup';
    if ($path =~ m{^/id/(\w+)$}) {
        return response(200, 'application/xrds+xml',
            xrds([0, "$OPENID2/signon", "$base/op"], [1, 'http://openid.net/signon/1.1', "$base/op"]))
          if $wants_xrds;
        return response(200, 'text/html',
                qq{<html><head><link rel="openid2.provider" href="$base/op">}
              . qq{<link rel="openid.server" href="$base/op"></head></html>\n});
    }
    if ($path =~ m{^/id1/(\w+)$}) {
        return response(200, 'text/html', qq{<html><head><link rel="openid.server" href="$base/op"></head></html>\n});
    }
    return response(404, 'text/plain', "not found\n");
}

my $select = IO::Select->new($daemon, \*STDIN);
while (1) {
    for my $fh ($select->can_read) {
        if (fileno($fh) == fileno(STDIN)) {
            my $n = sysread(STDIN, my $buf, 4096);
            exit 0 unless $n;    # the test closed stdin (or died): stop
            next;
        }
        my $conn = $daemon->accept or next;
        $conn->timeout(10);
        if (my $req = $conn->get_request) {
            my $res = eval { route($req) } // response(500, 'text/plain', "error: $@");
            $res->header(Connection => 'close');
            $conn->send_response($res);
        }
        $conn->close;
    }
}
