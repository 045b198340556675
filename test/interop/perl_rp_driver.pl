#!/usr/bin/perl
# Net::OpenID::Consumer (Debian's libnet-openid-consumer-perl), driven step by
# step for interop tests. Run with /usr/bin/perl:
#
#   perl_rp_driver.pl '{"stateless": false, "assoc_options": {"max_encrypt": 1}}'
#
# "stateless": no cache, so no associations and no response_nonce memory:
# every assertion is checked with check_authentication. Otherwise an
# in-memory cache (associations, fetched pages, nonces) living as long as the
# process, and the assoc_options given (the library's default: HMAC-SHA1 over
# DH-SHA1).
#
# The user agent is a plain LWP::UserAgent (10 s timeout, no proxy from the
# environment, no keep-alive), the same kind the library makes when given
# none. Its documentation recommends LWPx::ParanoidAgent (Debian's
# liblwpx-paranoidagent-perl, not a dependency), which refuses loopback and
# private addresses: it could not reach a provider on 127.0.0.1.
#
# Reads one JSON command per line on stdin, writes one JSON answer per line:
#   {"cmd": "begin", "identifier": URL, "realm": URL, "return_to": URL, "immediate": bool,
#    "sreg": {"required": "a,b", "optional": "c", "policy_url": URL}}
#     -> {"check_url", "claimed_url", "delegated_url", "server", "protocol_version"}
#   {"cmd": "complete", "url": URL the browser arrived at, "body": form body or null}
#     -> {"status": "verified" | "cancel" | "setup_needed" | "error" | "not_openid",
#         "url", "setup_url", "errcode", "errtext", "signed_fields", "sreg"}
#   A command that dies answers {"error": text}.
use strict;
use warnings;

use Encode ();
use JSON::PP;
use LWP::UserAgent;
use Net::OpenID::Consumer;
use URI;

# The cache interface the library asks for: get($key) and set($key, $value[, $expiry]).
package MemoryCache {
    sub new { bless {}, shift }
    sub get { $_[0]{ $_[1] } }
    sub set { $_[0]{ $_[1] } = $_[2]; 1 }
}

my $SREG_11 = 'http://openid.net/extensions/sreg/1.1';
my $json = JSON::PP->new->utf8->canonical;
my $config = $json->decode($ARGV[0] // '{}');
my $cache = $config->{stateless} ? undef : MemoryCache->new;
my $ua = LWP::UserAgent->new(timeout => 10, keep_alive => 0);

# One consumer per command (the library keeps the last error in the object);
# what must last between commands lives in the cache.
sub consumer {
    my ($args) = @_;
    return Net::OpenID::Consumer->new(
        ua              => $ua,
        cache           => $cache,
        consumer_secret => 'perl-interop-consumer-secret',
        assoc_options   => $config->{assoc_options} // {},
        ($args ? (args => $args) : ()),
        debug => sub { print STDERR "[consumer] $_[0]\n" },
    );
}

sub begin {
    my ($cmd) = @_;
    my $csr = consumer();
    my $claimed = $csr->claimed_identity($cmd->{identifier})
      or return { status => 'error', errcode => $csr->errcode, errtext => $csr->errtext };
    if (my $sreg = $cmd->{sreg}) {
        $claimed->set_extension_args($SREG_11, { %$sreg });
    }
    return {
        check_url => $claimed->check_url(
            return_to      => $cmd->{return_to},
            trust_root     => $cmd->{realm},
            delayed_return => $cmd->{immediate} ? 0 : 1,
        ),
        claimed_url      => $claimed->claimed_url,
        delegated_url    => $claimed->delegated_url,
        server           => $claimed->identity_server,
        protocol_version => 0 + $claimed->protocol_version,
    };
}

sub complete {
    my ($cmd) = @_;
    # As a web framework decoding UTF-8 parameters would hand them over: the
    # library signs its own utf8::encode of the values, so it wants characters.
    my %args;
    my $u = URI->new($cmd->{url});
    my @pairs = $u->query_form;
    if (defined $cmd->{body} && length $cmd->{body}) {
        my $b = URI->new('http://x/');
        $b->query($cmd->{body});
        push @pairs, $b->query_form;
    }
    while (my ($k, $v) = splice @pairs, 0, 2) {
        $args{ Encode::decode_utf8($k) } = Encode::decode_utf8($v);
    }
    my $csr = consumer(\%args);
    return { status => 'not_openid' } unless $csr->is_server_response;
    return { status => 'setup_needed', setup_url => scalar $csr->user_setup_url } if $csr->setup_needed;
    return { status => 'cancel' } if $csr->user_cancel;
    if (my $vident = $csr->verified_identity) {
        return {
            status        => 'verified',
            url           => $vident->url,
            signed_fields => [ sort keys %{ $vident->signed_fields } ],
            sreg          => $vident->signed_extension_fields($SREG_11),
        };
    }
    return { status => 'error', errcode => $csr->errcode, errtext => $csr->errtext };
}

$| = 1;
binmode STDOUT, ':raw';
while (my $line = <STDIN>) {
    my $cmd = $json->decode($line);
    my $out = eval { $cmd->{cmd} eq 'begin' ? begin($cmd) : complete($cmd) };
    $out = { error => "$@" } unless $out;
    print $json->encode($out), "\n";
}
