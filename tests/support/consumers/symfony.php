<?php
// Sends one message through the MAILER_DSN of an exported .env, read by Symfony's Dotenv:
// php symfony.php EXPORT FROM TO SUBJECT
require '/usr/share/php/Symfony/Component/Dotenv/autoload.php';
require '/usr/share/php/Symfony/Component/Mailer/autoload.php';

use Symfony\Component\Dotenv\Dotenv;
use Symfony\Component\Mailer\Mailer;
use Symfony\Component\Mailer\Transport;
use Symfony\Component\Mime\Email;

[, $export, $from, $to, $subject] = $argv;
(new Dotenv())->load($export);
$mailer = new Mailer(Transport::fromDsn($_ENV['MAILER_DSN']));
$mailer->send(
    (new Email())->from($from)->to($to)->subject($subject)->text("sent with an exported configuration\n")
);
